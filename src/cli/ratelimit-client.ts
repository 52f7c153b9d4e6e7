import type { Static } from '@sinclair/typebox';
import type { NotifydClient } from '../client/rest.js';
import type { PolicyLimit } from '../ratelimit/schemas.js';

/** Calls `/api/v1/ratelimit/…`; `T` is the answer's schema type. */
export function rl<T>(
  client: NotifydClient,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  return client.request<T>(method, `/api/v1/ratelimit${path}`, body);
}

/** `100/minute per api_key`, or `100/30s per ip+endpoint (cost)`. */
export function limitText(l: Static<typeof PolicyLimit>): string {
  const window = l.window_unit ?? `${l.window_seconds}s`;
  return `${l.max_requests}/${window} per ${(l.key ?? [l.scope]).join('+')}${l.cost_based ? ' (cost)' : ''}`;
}
