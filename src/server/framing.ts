import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { NotifydError } from '../core/errors.js';

/** A Content-Length notifyd believes: digits only, at most 15 of them (under 2^53). */
const LENGTH = /^\d{1,15}$/;

/**
 * Why a request's body framing is ambiguous, or null when it is not. A proxy in front of
 * notifyd may read such a request differently from uWS (the first of two Content-Length
 * headers, say, where the proxy took the last), so the rest of the bytes could be taken as
 * a second, smuggled request: these requests get 400 MALFORMED_REQUEST and the connection
 * is closed before anything after them is read.
 *
 * `headers` joins repeated fields with `, ` (see readRequest), so a repeated Content-Length
 * shows as a list here, even when the values agree.
 */
export function framingFault(headers: Record<string, string>): NotifydError | null {
  const length = headers['content-length'];
  const encoding = headers['transfer-encoding'];
  let reason: string | null = null;
  if (length !== undefined && encoding !== undefined) {
    reason = 'Content-Length and Transfer-Encoding together';
  } else if (length !== undefined && !LENGTH.test(length)) {
    reason = length.includes(',') ? 'a repeated Content-Length' : 'an invalid Content-Length';
  } else if (encoding !== undefined && encoding.toLowerCase() !== 'chunked') {
    reason = 'a Transfer-Encoding other than a single chunked';
  }
  return reason === null
    ? null
    : new NotifydError('MALFORMED_REQUEST', `The request has ${reason}.`, { reason });
}

/** framingFault for a handler that does not read every header (SSE, WebSocket upgrades). */
export function framingFaultOf(req: HttpRequest): NotifydError | null {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    if (name !== 'content-length' && name !== 'transfer-encoding') return;
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  });
  return framingFault(headers);
}

/** The body length a request declares (0 when it declares none); call after framingFault. */
export function declaredLength(headers: Record<string, string>): number {
  const length = headers['content-length'];
  return length === undefined ? 0 : Number(length);
}

/**
 * Addresses a request was refused for in this turn of the event loop. uWS 20.30 goes on
 * parsing the bytes it already read after a response that asked to close the connection,
 * and hands the app each request in them at once, in the same turn; nothing tells the app
 * they share a connection. So a request from an address refused in this same turn is taken
 * for what the refused one smuggled and dropped unanswered; uWS then closes the connection
 * (and a request from another connection of that address in the same turn is dropped too:
 * the client sees a reset and retries).
 */
const refusedThisTurn = new Set<string>();

/** Remembers, until the loop turns, that a request from `address` was refused. */
export function rememberRefusal(address: string): void {
  if (refusedThisTurn.size === 0) setImmediate(() => refusedThisTurn.clear());
  refusedThisTurn.add(address);
}

/**
 * True, having dropped the request, when it came from an address refused in this turn (see
 * above): no handler sees it, nothing answers it, and the connection is closed.
 */
export function droppedAfterRefusal(res: HttpResponse, address: string): boolean {
  if (refusedThisTurn.size === 0 || !refusedThisTurn.has(address)) return false;
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  setImmediate(() => {
    if (!aborted) res.close();
  });
  return true;
}

/** The peer address uWS reports, as text. */
export function peerOf(res: HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}

/**
 * The whole check for a handler that reads headers one by one: drops a smuggled request,
 * or returns the fault of an ambiguous one (remembering the refusal); null to go on.
 */
export function screen(res: HttpResponse, req: HttpRequest): NotifydError | 'dropped' | null {
  const address = peerOf(res);
  if (droppedAfterRefusal(res, address)) return 'dropped';
  const fault = framingFaultOf(req);
  if (fault) rememberRefusal(address);
  return fault;
}
