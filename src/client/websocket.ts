// A handler type whose parameter is checked bivariantly, as methods are: the browser's
// WebSocket and the `ws` package each pass their own, richer event types to these handlers.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of the WebSocket API the client uses; the browser's WebSocket and `ws` have it. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** A WebSocket constructor: `globalThis.WebSocket` in browsers, `ws`'s default export in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The WebSocket URL of a notifyd base URL: `https://host/x` → `wss://host/x/api/v1/ws`. */
export function realtimeUrl(base: string): URL {
  const url = new URL('api/v1/ws', base.endsWith('/') ? base : `${base}/`);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url;
}
