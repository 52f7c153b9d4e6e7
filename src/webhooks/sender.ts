import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import type { EventEnvelope } from '../events/types.js';
import { VERSION } from '../version.js';
import { signatureHeader } from './signature.js';
import { DeniedAddressError, type WebhookTransport } from './transport.js';

/** What one POST to a webhook came to. */
export interface AttemptResult {
  /** A 2xx answer. */
  delivered: boolean;
  /** Worth trying again: no answer (network error, timeout), a 5xx or a 429. */
  retryable: boolean;
  status_code: number | null;
  /** Why there was no answer, or why the answer is not a success. */
  error: string | null;
  /** The answer's Retry-After, in ms, when it had one. */
  retry_after_ms: number | null;
  duration_ms: number;
}

/**
 * Sends one event to one URL, once. Redirects are never followed (a 3xx is a failure): the
 * subscriber named the URL, and following could carry a signed body somewhere else.
 * Any answer other than 2xx is a failure; only 5xx and 429 are worth another try.
 */
export async function postEvent(
  target: { url: string; secret: string },
  event: EventEnvelope,
  options: { timeoutMs: number; clock: Clock; transport: WebhookTransport },
): Promise<AttemptResult> {
  const body = JSON.stringify(event);
  const t = Math.floor(options.clock.now() / 1000);
  // Elapsed time is measured, not read from the injected clock: a fake clock stands still.
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': `notifyd/${VERSION}`,
    'x-notifyd-event': event.type,
    'x-notifyd-delivery': event.id,
    'x-notifyd-signature': signatureHeader(target.secret, t, body),
  };
  try {
    const answer = await post(target.url, headers, body, options);
    const status = answer.status;
    const delivered = status >= 200 && status < 300;
    const retryable = status >= 500 || status === 429;
    return {
      delivered,
      retryable,
      status_code: status,
      error: status >= 300 && status < 400 ? 'redirect not followed' : null,
      retry_after_ms: retryable ? parseRetryAfter(answer.retryAfter, options.clock) : null,
      duration_ms: elapsed(),
    };
  } catch (err) {
    return {
      delivered: false,
      // A denied address stays denied: trying again would only be refused again.
      retryable: !(err instanceof DeniedAddressError),
      status_code: null,
      error: describe(err),
      retry_after_ms: null,
      duration_ms: elapsed(),
    };
  }
}

/**
 * One POST with node:http(s), not fetch: fetch refuses some ports (6000, 6665…) that a
 * receiver may well listen on. The answer's body is discarded: only the status counts.
 * `timeoutMs` covers everything up to the answer's headers.
 */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; transport: WebhookTransport },
): Promise<{ status: number; retryAfter: string | null }> {
  const { timeoutMs, transport } = options;
  const target = new URL(url);
  const refusal = transport.refusal(target);
  if (refusal) return Promise.reject(refusal);
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'POST', headers, agent: transport.agentFor(target) });
    const timer = setTimeout(() => req.destroy(new TimeoutError(timeoutMs)), timeoutMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      res.resume();
      const retryAfter = res.headers['retry-after'];
      resolve({ status: res.statusCode ?? 0, retryAfter: retryAfter ?? null });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timeout after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, clock: Clock): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - clock.now());
}

/** A short reason: the timeout, a denied address, or the system error code (ECONNREFUSED…). */
function describe(err: unknown): string {
  if (err instanceof TimeoutError || err instanceof DeniedAddressError) return err.message;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
