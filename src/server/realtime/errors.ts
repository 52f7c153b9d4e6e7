/** The realtime gateway's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../../core/error-spec.js';

export const REALTIME_ERRORS = errorsByStatus({
  401: {
    TOKEN_EXPIRED: 'The token expired; send a refresh frame in time.',
  },
  404: {
    ANALYTICS_DISABLED:
      'Analytics is disabled on this server (analytics.enabled), so no metric stream runs.',
  },
  426: {
    UPGRADE_REQUIRED: 'The path speaks WebSocket only: open it with an Upgrade: websocket request.',
  },
  429: {
    TOO_MANY_CONNECTIONS: 'Too many open connections for this user, tenant or server.',
    TOO_MANY_CHANNELS:
      'The session is subscribed to as many channels as realtime.max_channels_per_session allows.',
  },
});
