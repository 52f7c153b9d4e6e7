/** The realtime gateway's error codes; `core/errors.ts` joins them into ERRORS. */
import type { ErrorCatalogue } from '../../core/error-spec.js';

export const REALTIME_ERRORS = {
  TOKEN_EXPIRED: { status: 401, message: 'The token expired; send a refresh frame in time.' },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    message: 'Too many open connections for this user, tenant or server.',
  },
  TOO_MANY_CHANNELS: {
    status: 429,
    message:
      'The session is subscribed to as many channels as realtime.max_channels_per_session allows.',
  },
} as const satisfies ErrorCatalogue;
