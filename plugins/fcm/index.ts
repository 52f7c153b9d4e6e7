/**
 * `fcm`: Firebase Cloud Messaging (HTTP v1) through `firebase-admin`, with a service
 * account from a file or inline JSON. Android, iOS and web tokens; notification or
 * data-only messages; priority, TTL, collapse key and sound mapped to each platform.
 * firebase-admin has no host override, so `endpoint` routes the HTTP agent it and the
 * credential use (fcm.googleapis.com, oauth2.googleapis.com) to another origin: a proxy,
 * an air-gapped relay, or the tests' peer. TLS is still checked against the Google names.
 *
 * The credential is our own (firebase-admin's `Credential` interface): firebase-admin
 * 13.10's `cert(account, httpAgent)` does not pass the agent to google-auth-library's JWT
 * client (GoogleAuth.fromJSON is called without the client options), so its token request
 * would ignore the agent. Ours signs the RS256 assertion (jose) and posts it through the agent.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, type RequestOptions, request } from 'node:https';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { type Static, Type } from '@sinclair/typebox';
import type { Clock } from '../../src/core/clock.js';
import { definePlugin, type ProviderMessage, type SendResult } from '../../src/providers/plugin.js';
import { collapseIdOf, topicOf } from '../group-key.js';

const FcmOptions = Type.Object(
  {
    service_account_file: Type.Optional(
      Type.String({ minLength: 1, description: 'Path of the service account JSON key.' }),
    ),
    service_account_json: Type.Optional(
      Type.String({
        minLength: 2,
        description: 'The service account JSON key itself (e.g. from the environment).',
      }),
    ),
    project_id: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Firebase project; the service account's by default.",
      }),
    ),
    sound: Type.Optional(
      Type.String({ description: 'Sound of alerts on Android and iOS, e.g. `default`.' }),
    ),
    endpoint: Type.Optional(
      Type.String({
        pattern: '^https://',
        description:
          'Connect to this origin for FCM and Google OAuth instead of Google (proxy, test peer).',
      }),
    ),
    ca: Type.Optional(
      Type.String({ description: 'PEM certificates trusted besides the system ones.' }),
    ),
  },
  { additionalProperties: false },
);
export type FcmOptions = Static<typeof FcmOptions>;

/** Error codes of a token that will never work again. */
const DEAD_TOKEN = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);
/** Error codes worth another try later. */
const TRANSIENT = new Set([
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'app/network-error',
  'app/network-timeout',
]);

/**
 * Maps a firebase-admin error to what the worker should do. `tokenTransient`: the last
 * access-token request failed for a reason that may pass (network, 5xx); firebase-admin
 * reports every token failure as `app/invalid-credential`.
 */
export function fcmFailure(err: Error & { code?: string }, tokenTransient = false): SendResult {
  const code = err.code;
  const message = err.message.slice(0, 300);
  if (code && DEAD_TOKEN.has(code)) return { ok: false, kind: 'invalid_recipient', message, code };
  if (!code || TRANSIENT.has(code) || (code === 'app/invalid-credential' && tokenTransient)) {
    return { ok: false, kind: 'retryable', message, code };
  }
  // Invalid argument, payload too large, mismatched or invalid credentials, APNs auth.
  return { ok: false, kind: 'permanent', message, code };
}

/** An https agent whose connections all go to `target`, named for the host asked for. */
class RoutedAgent extends Agent {
  constructor(
    private readonly target: URL | null,
    ca: string | undefined,
  ) {
    super({ keepAlive: true, ...(ca ? { ca: [...rootCertificates, ca] } : {}) });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ) {
    if (!this.target) return super.createConnection(options, callback);
    return super.createConnection(
      {
        ...options,
        host: this.target.hostname,
        port: Number(this.target.port || 443),
        servername: options.servername ?? options.host ?? undefined,
      } as RequestOptions,
      callback,
    );
  }
}

const TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = [
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/firebase.messaging',
];

/** The fields of a service account key this plugin uses. */
interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

function serviceAccountOf(json: Record<string, unknown>): ServiceAccount {
  for (const field of ['project_id', 'client_email', 'private_key']) {
    if (typeof json[field] !== 'string' || json[field] === '') {
      throw new Error(`fcm: the service account has no ${field}`);
    }
  }
  return json as unknown as ServiceAccount;
}

/**
 * OAuth 2.0 for service accounts (RFC 7523 JWT bearer grant): an RS256 assertion signed with
 * the account's key, exchanged at Google's token endpoint for an access token.
 */
class ServiceAccountCredential {
  /** Whether the last failure may pass by itself (network error, 5xx, 429). */
  transient = false;
  private readonly key;

  constructor(
    private readonly account: ServiceAccount,
    private readonly agent: Agent,
    private readonly clock: Clock,
  ) {
    this.key = createPrivateKey(account.private_key);
  }

  async getAccessToken(): Promise<{ access_token: string; expires_in: number }> {
    const { SignJWT } = await import('jose');
    const now = Math.floor(this.clock.now() / 1000);
    const assertion = await new SignJWT({ scope: SCOPES.join(' ') })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(this.account.private_key_id ? { kid: this.account.private_key_id } : {}),
      })
      .setIssuer(this.account.client_email)
      .setAudience(TOKEN_URL)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(this.key);
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    }).toString();
    this.transient = true;
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const req = request(TOKEN_URL, {
          method: 'POST',
          agent: this.agent,
          timeout: 15_000,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        req.on('timeout', () => req.destroy(new Error('token request timed out')));
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        });
        req.end(form);
      },
    );
    this.transient = status === 429 || status >= 500;
    const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
    if (status !== 200 || typeof parsed.access_token !== 'string') {
      throw new Error(
        `token endpoint answered ${status}: ${String(parsed.error ?? body.slice(0, 100))}`,
      );
    }
    this.transient = false;
    return { access_token: parsed.access_token, expires_in: Number(parsed.expires_in ?? 3600) };
  }
}

/** FCM's message for one delivery. */
function fcmMessage(message: ProviderMessage<'push'>, token: string, sound: string | undefined) {
  const { title, body, image, url, data } = message.content;
  const alert = Boolean(title || body);
  const high = message.priority === 'high' || message.priority === 'urgent';
  const ttl = message.ttl_seconds;
  const group = message.group_key;
  const collapse = group ? collapseIdOf(group) : undefined;
  return {
    token,
    ...(alert ? { notification: { title, body, ...(image ? { imageUrl: image } : {}) } } : {}),
    data: {
      ...data,
      ...(url ? { url } : {}),
      notification_id: message.notification_id,
      delivery_id: message.delivery_id,
    },
    android: {
      priority: high || !alert ? ('high' as const) : ('normal' as const),
      ...(ttl !== null ? { ttl: ttl * 1000 } : {}),
      ...(collapse ? { collapseKey: collapse } : {}),
      ...(alert && sound ? { notification: { sound } } : {}),
    },
    apns: {
      headers: {
        'apns-priority': alert && message.priority !== 'low' ? '10' : '5',
        ...(collapse ? { 'apns-collapse-id': collapse } : {}),
      },
      payload: { aps: alert ? (sound ? { sound } : {}) : { contentAvailable: true } },
    },
    webpush: {
      headers: {
        Urgency: high ? 'high' : message.priority,
        ...(group ? { Topic: topicOf(group) } : {}),
        ...(ttl !== null ? { TTL: String(ttl) } : {}),
      },
      ...(url?.startsWith('https://') ? { fcmOptions: { link: url } } : {}),
    },
  };
}

export default definePlugin<FcmOptions, 'push'>({
  name: 'fcm',
  channel: 'push',
  options: FcmOptions,
  secrets: ['service_account_json'],
  async create(options, ctx) {
    if (
      (options.service_account_file === undefined) ===
      (options.service_account_json === undefined)
    ) {
      throw new Error('fcm: give exactly one of service_account_file and service_account_json');
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(
        options.service_account_json ?? readFileSync(options.service_account_file!, 'utf8'),
      );
    } catch (err) {
      throw new Error(`fcm: the service account is not readable JSON (${(err as Error).message})`);
    }
    const account = serviceAccountOf(json);
    const { deleteApp, initializeApp } = await import('firebase-admin/app');
    const { getMessaging } = await import('firebase-admin/messaging');
    const agent = new RoutedAgent(options.endpoint ? new URL(options.endpoint) : null, options.ca);
    // A named app per provider: several fcm providers (projects) may run side by side.
    const credential = new ServiceAccountCredential(account, agent, ctx.clock);
    const app = initializeApp(
      {
        credential,
        httpAgent: agent,
        projectId: options.project_id ?? account.project_id,
      },
      `notifyd-${ctx.name}-${randomUUID()}`,
    );
    const messaging = getMessaging(app);

    return {
      async send(message) {
        const device = message.device;
        if (device?.kind !== 'fcm' || !device.token) {
          return { ok: false, kind: 'permanent', message: 'not an FCM device' };
        }
        try {
          const id = await messaging.send(fcmMessage(message, device.token, options.sound));
          return { ok: true, provider_message_id: id };
        } catch (err) {
          return fcmFailure(err as Error & { code?: string }, credential.transient);
        }
      },
      async test() {
        try {
          // A dry run: FCM checks the credentials and the message without delivering it.
          await messaging.send({ topic: 'notifyd-provider-test', data: { test: '1' } }, true);
          return { ok: true, detail: 'FCM accepted a dry-run message' };
        } catch (err) {
          return { ok: false, message: (err as Error).message };
        }
      },
      async close() {
        await deleteApp(app);
        agent.destroy();
      },
    };
  },
});
