import type { TemplatedApp } from 'uWebSockets.js';
import { screen } from './framing.js';
import { writeError } from './http.js';

const ALLOW_HEADERS =
  'authorization, content-type, x-api-key, x-tenant-id, x-request-id, last-event-id, idempotency-key';
const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE';

/**
 * CORS for browser apps on other origins (the feed API is called from the user's browser).
 * Tokens travel in headers, never cookies, so credentials are not allowed.
 */
export class Cors {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    // Browsers send an origin without a trailing slash; a configured one is often copied
    // from the address bar with it.
    this.origins = new Set(origins.map((o) => o.replace(/\/+$/, '')));
  }

  get enabled(): boolean {
    return this.any || this.origins.size > 0;
  }

  /** Headers to add to an answer for a request from `origin`; none if it is not allowed. */
  headers(origin: string | undefined): Record<string, string> {
    if (!origin || !this.enabled) return {};
    if (this.any)
      return {
        'access-control-allow-origin': '*',
        'access-control-expose-headers': 'x-request-id, retry-after',
      };
    if (!this.origins.has(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'x-request-id, retry-after',
      vary: 'origin',
    };
  }

  /** Answers preflight requests on every path. */
  mount(app: TemplatedApp): void {
    if (!this.enabled) return;
    app.options('/*', (res, req) => {
      const malformed = screen(res, req);
      if (malformed === 'dropped') return;
      if (malformed) {
        const state = { aborted: false, done: false };
        return writeError(res, state, malformed, 'req_preflight', {}, true);
      }
      const allowed = this.headers(req.getHeader('origin') || undefined);
      res.writeStatus(allowed['access-control-allow-origin'] ? '204 No Content' : '403 Forbidden');
      for (const [name, value] of Object.entries(allowed)) res.writeHeader(name, value);
      if (allowed['access-control-allow-origin']) {
        res.writeHeader('access-control-allow-methods', ALLOW_METHODS);
        res.writeHeader('access-control-allow-headers', ALLOW_HEADERS);
        res.writeHeader('access-control-max-age', '600');
      }
      res.end();
    });
  }
}
