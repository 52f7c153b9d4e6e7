import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import { errorEnvelope, NotifydError } from '../core/errors.js';
import type { RequestInfo } from '../http/request.js';

export type { RequestInfo } from '../http/request.js';

export function readRequest(res: HttpResponse, req: HttpRequest): RequestInfo {
  // Every header (uWS gives names in lower case): rate-limit rules may match any of them.
  // No prototype: a header named `constructor` or `__proto__` is just a header.
  const headers: Record<string, string> = Object.create(null);
  req.forEach((name, value) => {
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  });
  return {
    method: req.getMethod().toUpperCase(),
    path: req.getUrl(),
    query: req.getQuery() ?? '',
    headers,
    remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
}

/** Tracks whether the client went away, so nothing is written to a dead response. */
export interface ResponseState {
  aborted: boolean;
  done: boolean;
  /** Called once if the client goes away; set by whoever waits on the request. */
  onAbort?: () => void;
}

/**
 * Reads the whole body, refusing more than `limit` bytes with PAYLOAD_TOO_LARGE.
 * Rejects on abort so the caller stops working on a request nobody waits for.
 */
export function readBody(
  res: HttpResponse,
  state: ResponseState,
  declaredLength: number,
  limit: number,
): Promise<Buffer> {
  if (declaredLength > limit) {
    return Promise.reject(new NotifydError('PAYLOAD_TOO_LARGE', undefined, { limit }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new NotifydError('PAYLOAD_TOO_LARGE', undefined, { limit }));
        return;
      }
      // uWS reuses the chunk's memory after this callback returns: copy it.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    state.onAbort = () => reject(new Error('request aborted'));
  });
}

const STATUS_LINES = new Map<number, string>();
/** `404 Not Found` for 404: the status line uWS writes. */
export function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (!line) {
    line = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
    STATUS_LINES.set(status, line);
  }
  return line;
}

/**
 * Writes a complete response, respecting backpressure: a body the socket cannot take at
 * once is streamed as it drains instead of buffered without bound.
 */
export function writeResponse(
  res: HttpResponse,
  state: ResponseState,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  closeConnection = false,
): void {
  if (state.aborted || state.done) return;
  state.done = true;
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.cork(() => {
    res.writeStatus(statusLine(status));
    for (const name in headers) res.writeHeader(name, headers[name]);
    if (closeConnection || buf.byteLength < 64 * 1024) {
      res.end(buf, closeConnection);
      return;
    }
    const start = res.getWriteOffset();
    const [ok] = res.tryEnd(buf, buf.byteLength);
    if (ok) return;
    res.onWritable((offset) => {
      const [sent] = res.tryEnd(buf.subarray(offset - start), buf.byteLength);
      return sent;
    });
  });
}

/**
 * Answers with the JSON error envelope for `err` and its X-Request-Id (and any extra headers,
 * e.g. Retry-After), closing the connection after it when asked.
 */
export function writeError(
  res: HttpResponse,
  state: ResponseState,
  err: NotifydError,
  requestId: string,
  headers: Record<string, string> = {},
  closeConnection = false,
): void {
  const body = JSON.stringify(errorEnvelope(err, requestId));
  const all = { ...headers, 'content-type': 'application/json', 'x-request-id': requestId };
  writeResponse(res, state, err.status, all, body, closeConnection);
}
