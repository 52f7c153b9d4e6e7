/**
 * An error the realtime connection reports: an `error` frame from the server (its code,
 * e.g. CHANNEL_FORBIDDEN) or the client's own (CLOSED, DISCONNECTED, NOT_CONNECTED,
 * PING_TIMEOUT, TIMEOUT, INVALID_FRAME, RESUME_INCOMPLETE, AUTH_FAILED after the last retry).
 */
export class RealtimeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RealtimeError';
  }
}
