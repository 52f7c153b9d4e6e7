/**
 * Send requests kept as tenant-scoped objects in the objects store: a topic send's working
 * state (`send_request`, with its `send_job` while it runs), and batches recorded before
 * requests had a store of their own.
 */
import type { StoredObject } from '../store/types.js';
import type {
  RequestError,
  RequestStatus,
  RequestType,
  SendRequestRecord,
} from './request-records.js';
import type { SendNotificationBody } from './schemas.js';

/** The object kind of a request's working state. */
export const REQUEST = 'send_request';
/** The object kind of a topic send still to fan out (resumed at start). */
export const JOB = 'send_job';

/** At most this many errors are kept on a request. */
export const MAX_ERRORS = 20;

/** A request's object data. */
export interface RequestData {
  type: RequestType;
  status: RequestStatus;
  topic: string | null;
  accepted: number;
  skipped: number;
  rejected: number;
  errors: RequestError[];
  completed_at: number | null;
  /** Topic sends: the send, and the last member done. */
  body?: SendNotificationBody;
  after?: string | null;
}

/** The request record of a batch or topic send kept as an object (its working state). */
export function recordOf(
  o: Pick<StoredObject, 'id' | 'tenant_id' | 'created_at'> & { data: unknown },
): SendRequestRecord {
  const d = o.data as RequestData;
  return {
    id: o.id,
    tenant_id: o.tenant_id as string,
    type: d.type,
    status: d.status,
    recipient_id: null,
    topic: d.topic,
    accepted: d.accepted,
    skipped: d.skipped,
    rejected: d.rejected,
    errors: d.errors,
    created_at: o.created_at,
    completed_at: d.completed_at,
  };
}
