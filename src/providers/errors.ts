/** The providers module's error codes; `core/errors.ts` joins them into ERRORS. */
import { errorsByStatus } from '../core/error-spec.js';

export const PROVIDER_ERRORS = errorsByStatus({
  403: {
    TWILIO_SIGNATURE_INVALID:
      'The X-Twilio-Signature header is missing or is not that of a configured Twilio account for this URL and body.',
    UNSUBSCRIBE_LINK_INVALID: 'The unsubscribe link is not one notifyd signed.',
  },
  404: {
    PROVIDER_NOT_FOUND: 'No such provider or served channel.',
    VAPID_KEY_NOT_CONFIGURED:
      'No webpush provider is configured, so there is no VAPID public key to subscribe with.',
  },
  409: {
    PROVIDER_READ_ONLY: 'The provider comes from the configuration file; change it there.',
    ENCRYPTION_KEY_MISSING:
      'Providers with credentials are stored encrypted: set NOTIFYD_ENCRYPTION_KEY (encryption.key) on every node first.',
  },
});
