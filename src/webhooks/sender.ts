import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import type { EventEnvelope } from '../events/types.js';
import { VERSION } from '../version.js';
import { signatureHeader } from './signature.js';

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
 */
export async function postEvent(
  target: { url: string; secret: string },
  event: EventEnvelope,
  options: { timeoutMs: number; clock: Clock },
): Promise<AttemptResult> {
  const body = JSON.stringify(event);
  const t = Math.floor(options.clock.now() / 1000);
  // Elapsed time is measured, not read from the injected clock: a fake clock stands still.
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': `notifyd/${VERSION}`,
        'x-notifyd-event': event.type,
        'x-notifyd-delivery': event.id,
        'x-notifyd-signature': signatureHeader(target.secret, t, body),
      },
      body,
    });
    // The answer's body is not read: only the status counts, and the socket goes back to the pool.
    await res.body?.cancel().catch(() => {});
    const status = res.status;
    const delivered = status >= 200 && status < 300;
    const retryable = status >= 500 || status === 429;
    return {
      delivered,
      retryable,
      status_code: status,
      error: delivered ? null : status >= 300 && status < 400 ? 'redirect not followed' : null,
      retry_after_ms: retryable
        ? parseRetryAfter(res.headers.get('retry-after'), options.clock)
        : null,
      duration_ms: elapsed(),
    };
  } catch (err) {
    return {
      delivered: false,
      retryable: true,
      status_code: null,
      error: describe(err, options.timeoutMs),
      retry_after_ms: null,
      duration_ms: elapsed(),
    };
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

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return `timeout after ${timeoutMs} ms`;
    }
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return cause.code;
    if (typeof cause?.message === 'string') return cause.message;
    return err.message;
  }
  return String(err);
}
