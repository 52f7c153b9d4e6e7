/**
 * Send requests as the API shows them (GET /requests, GET /requests/{id}) and the list's
 * cursor: an opaque position (creation time and id) in the newest-first list.
 */
import { NotifydError } from '../core/errors.js';
import type {
  RequestPosition,
  RequestStatus,
  RequestType,
  SendRequestRecord,
} from './request-records.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What GET /requests/{id} answers, and each item of GET /requests: the stored record with
 * its id as `request_id`, without the tenant, and with ISO times.
 */
export type RequestView = Omit<
  SendRequestRecord,
  'id' | 'tenant_id' | 'created_at' | 'completed_at'
> & {
  request_id: string;
  created_at: string;
  completed_at: string | null;
};

/** What GET /requests narrows to; every filter given must hold. */
export interface RequestFilters {
  status?: RequestStatus;
  type?: RequestType;
  recipient_id?: string;
  topic?: string;
  /** ISO times: created at or after, created before. */
  created_after?: string;
  created_before?: string;
  /** The previous page's `cursor`. */
  cursor?: string;
}

/** A request as the API shows it. */
export function toRequestView(r: SendRequestRecord): RequestView {
  return {
    request_id: r.id,
    type: r.type,
    status: r.status,
    recipient_id: r.recipient_id,
    topic: r.topic,
    accepted: r.accepted,
    skipped: r.skipped,
    rejected: r.rejected,
    errors: r.errors,
    created_at: iso(r.created_at),
    completed_at: r.completed_at === null ? null : iso(r.completed_at),
  };
}

/** A list position as an opaque cursor, and back (INVALID_CURSOR for anything else). */
export function encodeCursor(p: RequestPosition): string {
  return Buffer.from(JSON.stringify([p.created_at, p.id])).toString('base64url');
}

export function decodeCursor(cursor: string): RequestPosition {
  try {
    const [created_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (Number.isSafeInteger(created_at) && typeof id === 'string') {
      return { created_at: created_at as number, id };
    }
  } catch {
    // Not one of ours: refused below.
  }
  throw new NotifydError('INVALID_CURSOR');
}

/** An ISO time of a filter as epoch ms; VALIDATION_ERROR naming the field when it is none. */
export function timeOf(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new NotifydError('VALIDATION_ERROR', `${field}: not a date-time`, {
      issues: [{ field, message: 'not a date-time' }],
    });
  }
  return ms;
}
