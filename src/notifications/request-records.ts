/**
 * Send requests as the store keeps them: one per POST /notifications that wrote a
 * notification, per batch and per topic send, under the request id the 202 gave. Times
 * are epoch milliseconds.
 */

/** What kind of send a request was. */
export type RequestType = 'single' | 'batch' | 'topic';

/** Where a request stands: a topic send runs until its fan-out ends; the others complete. */
export type RequestStatus = 'running' | 'completed' | 'cancelled' | 'failed';

/** One refused item (by index) or recipient (by id) of a request. */
export interface RequestError {
  index?: number;
  recipient_id?: string;
  code: string;
  message: string;
}

/** A send request, as listed by GET /requests. */
export interface SendRequestRecord {
  /** The request id (`req_…`, or the caller's X-Request-Id); unique within the tenant. */
  id: string;
  tenant_id: string;
  type: RequestType;
  status: RequestStatus;
  /** The recipient of a single send; null for batches and topic sends. */
  recipient_id: string | null;
  /** The topic of a topic send; null otherwise. */
  topic: string | null;
  /** Notifications written. */
  accepted: number;
  /** Recipients routing left no channel for. */
  skipped: number;
  /** Items or recipients refused for another reason. */
  rejected: number;
  /** The first errors (at most 20). */
  errors: RequestError[];
  created_at: number;
  completed_at: number | null;
}

/** A place in the list of requests: newest first, by creation time, then id. */
export interface RequestPosition {
  created_at: number;
  id: string;
}

/** Which requests a list returns; every filter given must hold. */
export interface RequestQuery {
  tenant_id: string;
  status?: RequestStatus;
  type?: RequestType;
  /** Single sends to this recipient. */
  recipient_id?: string;
  /** Topic sends to this topic. */
  topic?: string;
  /** Created at or after this time. */
  created_after?: number;
  /** Created before this time. */
  created_before?: number;
  /** Only requests after this place (older): the previous page's `next`. */
  after?: RequestPosition;
  limit: number;
}

/** One page of requests, newest first. */
export interface RequestPage {
  items: SendRequestRecord[];
  /**
   * Where the next page starts, null at the end. A backend that filters while it reads
   * may stop after a bounded amount of reading with fewer items than asked for and a `next`.
   */
  next: RequestPosition | null;
}

/** Whether a request matches a query's filters (not its place or limit). */
export function matchesRequest(r: SendRequestRecord, q: RequestQuery): boolean {
  return (
    r.tenant_id === q.tenant_id &&
    (q.status === undefined || r.status === q.status) &&
    (q.type === undefined || r.type === q.type) &&
    (q.recipient_id === undefined || r.recipient_id === q.recipient_id) &&
    (q.topic === undefined || r.topic === q.topic) &&
    (q.created_after === undefined || r.created_at >= q.created_after) &&
    (q.created_before === undefined || r.created_at < q.created_before)
  );
}

/** Newest first: later creation first, then the higher id. */
export function newestFirst(a: RequestPosition, b: RequestPosition): number {
  return b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Whether `r` comes after the place `p` in the list (is older). */
export function isAfter(r: RequestPosition, p: RequestPosition): boolean {
  return newestFirst(p, r) < 0;
}

/** The record of a single send that wrote notification `n`: completed when written. */
export function singleRequest(n: {
  tenant_id: string;
  request_id: string;
  recipient_id: string;
  created_at: number;
}): SendRequestRecord {
  return {
    id: n.request_id,
    tenant_id: n.tenant_id,
    type: 'single',
    status: 'completed',
    recipient_id: n.recipient_id,
    topic: null,
    accepted: 1,
    skipped: 0,
    rejected: 0,
    errors: [],
    created_at: n.created_at,
    completed_at: n.created_at,
  };
}
