/**
 * The one catalogue of error codes. A code keeps its meaning forever; the README's
 * error table is checked against this object by a test.
 */
export const ERRORS = {
  VALIDATION_ERROR: { status: 400, message: 'The request is not valid.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is not one this server issued.' },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required.' },
  AUTH_FAILED: { status: 401, message: 'The token is missing, invalid or expired.' },
  TOKEN_EXPIRED: { status: 401, message: 'The token expired; send a refresh frame in time.' },
  FORBIDDEN: { status: 403, message: 'The credentials do not allow this action.' },
  CHANNEL_FORBIDDEN: { status: 403, message: 'The token does not allow this channel.' },
  IP_NOT_ALLOWED: { status: 403, message: 'The API key may not be used from this address.' },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  NOTIFICATION_NOT_FOUND: { status: 404, message: 'No such notification.' },
  KEY_NOT_FOUND: { status: 404, message: 'No such API key.' },
  POLICY_NOT_FOUND: { status: 404, message: 'No such rate-limit policy.' },
  RULE_NOT_FOUND: { status: 404, message: 'No such rate-limit rule.' },
  PLAN_NOT_FOUND: { status: 404, message: 'No such plan.' },
  PLAN_ASSIGNMENT_NOT_FOUND: { status: 404, message: 'No such plan assignment.' },
  BYPASS_NOT_FOUND: { status: 404, message: 'No such rate-limit bypass.' },
  ADJUSTMENT_NOT_FOUND: { status: 404, message: 'No such active rate-limit adjustment.' },
  COST_NOT_FOUND: { status: 404, message: 'No such endpoint cost.' },
  WEBHOOK_NOT_FOUND: { status: 404, message: 'No such webhook.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The route does not support this method.' },
  DUPLICATE_NOTIFICATION: {
    status: 409,
    message: 'A notification with this idempotency key was already accepted.',
  },
  ALREADY_EXISTS: {
    status: 409,
    message: 'An object with this name already exists in this tenant.',
  },
  VERSION_CONFLICT: {
    status: 409,
    message: 'The object changed since the version given; read it again.',
  },
  POLICY_IN_USE: { status: 409, message: 'The policy is used by a rule or a plan.' },
  RULE_CONFLICT: {
    status: 409,
    message: 'An enabled rule with the same target, match, conditions and priority exists.',
  },
  ADJUSTMENT_ACTIVE: { status: 409, message: 'The rule already has an active adjustment.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than allowed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    message: 'Too many open connections for this user, tenant or server.',
  },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many requests; retry later.' },
  INTERNAL_ERROR: { status: 500, message: 'An unexpected error occurred.' },
  STORE_UNAVAILABLE: { status: 503, message: 'The store is unavailable; retry later.' },
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down.' },
} as const satisfies Record<string, { status: number; message: string }>;

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
