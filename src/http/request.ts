/**
 * What a handler needs of an HTTP request. uWS request objects live only until the first
 * await, so everything is copied out of them synchronously into this object.
 */
export interface RequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string>;
  /** The peer address as text (v4 or v6). */
  remoteAddress: string;
}
