/** Test credentials for the push plugins' peers: a FCM service account and VAPID options. */
import { generateKeyPairSync } from 'node:crypto';
import { TEST_CA } from './plugin-harness.js';

/** A service account with a fresh RSA key, as a Google console download. */
export function testServiceAccount() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: 'acme-test',
    private_key_id: 'k1',
    private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    client_email: 'notifyd@acme-test.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
  };
}

/** webpush plugin options with a fresh VAPID pair, trusting the test push service. */
export async function vapidOptions() {
  const webpush = (await import('web-push')).default;
  const vapid = webpush.generateVAPIDKeys();
  return {
    vapid,
    options: {
      vapid_public_key: vapid.publicKey,
      vapid_private_key: vapid.privateKey,
      subject: 'mailto:ops@example.com',
      ca: TEST_CA,
    },
  };
}
