/**
 * `GET /push/vapid-public-key`: what a browser needs before `pushManager.subscribe`, served
 * without a key (it is public by design) from the configured webpush provider.
 */
import { Type } from '@sinclair/typebox';
import { errors } from '../http/responses.js';
import { type AnyRoute, defineRoute } from '../http/route.js';
import type { Providers } from './providers.js';

const VapidKey = Type.Object({
  public_key: Type.String({
    description:
      'The VAPID public key (base64url, uncompressed P-256 point): pass it, decoded to bytes, as `applicationServerKey` to `pushManager.subscribe`.',
  }),
});

export function pushKeyRoutes(providers: Providers): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/push/vapid-public-key',
      summary:
        'The VAPID public key browsers subscribe to web push with (the first webpush provider’s)',
      tag: 'providers',
      auth: { kind: 'none' },
      responses: {
        200: { description: 'The key.', schema: VapidKey },
        ...errors(404),
      },
      async handler() {
        return { status: 200, body: { public_key: providers.vapidPublicKey() } };
      },
    }),
  ];
}
