/**
 * The one catalogue of error codes: notifyd's own (requests, routing, the store, shutdown)
 * joined with the codes each module lists beside its code. A code keeps its meaning
 * forever; the README's error table is checked against this object by a test.
 */
import { ANALYTICS_ERRORS } from '../analytics/errors.js';
import { AUTH_ERRORS } from '../auth/errors.js';
import { NOTIFICATION_ERRORS } from '../notifications/errors.js';
import { OBJECT_ERRORS } from '../objects/errors.js';
import { PROVIDER_ERRORS } from '../providers/errors.js';
import { RATELIMIT_ERRORS } from '../ratelimit/errors.js';
import { RECIPIENT_ERRORS } from '../recipients/errors.js';
import { REALTIME_ERRORS } from '../server/realtime/errors.js';
import { TEMPLATE_ERRORS } from '../templates/errors.js';
import { WEBHOOK_ERRORS } from '../webhooks/errors.js';
import { WORKFLOW_ERRORS } from '../workflows/errors.js';
import { type ErrorCatalogue, errorsByStatus } from './error-spec.js';

/** Codes any part of notifyd may answer with: requests, routing, the store, shutdown. */
const HTTP_ERRORS = errorsByStatus({
  400: {
    VALIDATION_ERROR: 'The request is not valid.',
    INVALID_JSON: 'The request body is not valid JSON, or nests deeper than 64 levels.',
    MALFORMED_REQUEST: 'The request framing is ambiguous; the connection is closed.',
  },
  404: { NOT_FOUND: 'No such route.' },
  405: { METHOD_NOT_ALLOWED: 'The route does not support this method.' },
  413: { PAYLOAD_TOO_LARGE: 'The request body is larger than allowed.' },
  415: { UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json.' },
  500: { INTERNAL_ERROR: 'An unexpected error occurred.' },
  503: {
    STORE_UNAVAILABLE: 'The store is unavailable; retry later.',
    SHUTTING_DOWN: 'The server is shutting down.',
  },
});

/** The catalogues' codes in one object type. */
type Joined<G extends readonly ErrorCatalogue[]> = G extends readonly [
  infer First,
  ...infer Rest extends readonly ErrorCatalogue[],
]
  ? First & Joined<Rest>
  : unknown;

/**
 * Joins catalogues into one listed by status, as the README's table is; codes of one status
 * keep the order of the catalogues given. A code in two catalogues is a programming error.
 */
function joinByStatus<const G extends readonly ErrorCatalogue[]>(
  ...catalogues: G
): { [C in keyof Joined<G>]: Joined<G>[C] } {
  const entries = catalogues.flatMap((c) => Object.entries(c));
  const seen = new Set<string>();
  for (const [code] of entries) {
    if (seen.has(code)) throw new Error(`error code ${code} is declared twice`);
    seen.add(code);
  }
  // Array.prototype.sort is stable, so the catalogues' order holds within a status.
  entries.sort(([, a], [, b]) => a.status - b.status);
  return Object.fromEntries(entries) as { [C in keyof Joined<G>]: Joined<G>[C] };
}

/** Every error code notifyd answers with, by status. */
export const ERRORS = joinByStatus(
  HTTP_ERRORS,
  NOTIFICATION_ERRORS,
  AUTH_ERRORS,
  OBJECT_ERRORS,
  REALTIME_ERRORS,
  RATELIMIT_ERRORS,
  WEBHOOK_ERRORS,
  ANALYTICS_ERRORS,
  RECIPIENT_ERRORS,
  TEMPLATE_ERRORS,
  PROVIDER_ERRORS,
  WORKFLOW_ERRORS,
);

export type ErrorCode = keyof typeof ERRORS;

/** An error a client can act on: it carries a stable code, an HTTP status and details. */
export class NotifydError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message?: string, details: Record<string, unknown> = {}) {
    super(message ?? ERRORS[code].message);
    this.name = 'NotifydError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

/** The JSON body every failed request answers with. */
export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    details: Record<string, unknown>;
    request_id: string;
    /** On 429s: how long to wait (also in `details` and the Retry-After field). */
    retry_after_seconds?: number;
  };
}

/** Turns any thrown value into a NotifydError; unknown errors become INTERNAL_ERROR. */
export function toNotifydError(err: unknown): NotifydError {
  if (err instanceof NotifydError) return err;
  return new NotifydError('INTERNAL_ERROR');
}

export function errorEnvelope(err: NotifydError, requestId: string): ErrorEnvelope {
  const retry = err.details.retry_after_seconds;
  return {
    error: {
      code: err.code,
      message: err.message,
      details: err.details,
      request_id: requestId,
      ...(typeof retry === 'number' ? { retry_after_seconds: retry } : {}),
    },
  };
}
