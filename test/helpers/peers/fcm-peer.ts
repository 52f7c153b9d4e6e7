import { createPublicKey, randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import type { Test } from 'tap';
import { SERVER_CERT, SERVER_KEY } from './plugin-harness.js';

/** A message FCM accepted. */
export interface FcmReceived {
  // biome-ignore lint/suspicious/noExplicitAny: the message as JSON
  message: any;
  validateOnly: boolean;
}

export interface FcmPeer {
  origin: string;
  received: FcmReceived[];
  /** Why requests were refused (assertion, bearer token, body). */
  rejected: string[];
  /** Access tokens minted. */
  minted: string[];
  /** Answer an FCM error for this registration token (HTTP status, status, FcmError code). */
  answer: (token: string) => { status: number; rpc: string; fcm?: string } | null;
  /** Refuse the token request with this OAuth error. */
  tokenError: string | null;
}

/**
 * Google's OAuth token endpoint and the FCM v1 `messages:send` endpoint on one HTTPS server
 * (test certificate names both hosts): the token endpoint verifies the JWT assertion (RS256
 * with the service account's key, iss, aud, scope) before minting a bearer token; FCM checks
 * that token, the Host, the project and the message body, and answers FCM's JSON errors.
 */
export async function startFcmPeer(
  t: Test,
  account: { project_id: string; client_email: string; private_key: string },
): Promise<FcmPeer> {
  const publicKey = createPublicKey(account.private_key);
  const peer: FcmPeer = {
    origin: '',
    received: [],
    rejected: [],
    minted: [],
    answer: () => null,
    tokenError: null,
  };
  const server = createServer({ cert: SERVER_CERT, key: SERVER_KEY }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const refuse = (status: number, rpc: string, why: string) => {
        peer.rejected.push(why);
        json(status, { error: { code: status, message: why, status: rpc } });
      };
      if (req.headers.host === 'oauth2.googleapis.com' && req.url === '/token') {
        const form = new URLSearchParams(raw);
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
          peer.rejected.push('grant_type');
          return json(400, { error: 'unsupported_grant_type' });
        }
        try {
          const { payload } = await jwtVerify(form.get('assertion') ?? '', publicKey, {
            algorithms: ['RS256'],
            issuer: account.client_email,
            audience: 'https://oauth2.googleapis.com/token',
          });
          const scopes = String(payload.scope).split(' ');
          if (!scopes.includes('https://www.googleapis.com/auth/firebase.messaging')) {
            throw new Error(`scope ${payload.scope}`);
          }
        } catch (err) {
          peer.rejected.push(`assertion: ${(err as Error).message}`);
          return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        }
        if (peer.tokenError) return json(400, { error: peer.tokenError });
        const token = `ya29.${randomBytes(16).toString('hex')}`;
        peer.minted.push(token);
        return json(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
      }
      const path = `/v1/projects/${account.project_id}/messages:send`;
      if (req.headers.host !== 'fcm.googleapis.com' || req.url !== path || req.method !== 'POST') {
        return refuse(404, 'NOT_FOUND', `unknown ${req.method} ${req.headers.host}${req.url}`);
      }
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!bearer || !peer.minted.includes(bearer)) {
        return refuse(401, 'UNAUTHENTICATED', 'bearer token not minted here');
      }
      let body: { message?: Record<string, unknown>; validate_only?: boolean };
      try {
        body = JSON.parse(raw);
      } catch {
        return refuse(400, 'INVALID_ARGUMENT', 'body is not JSON');
      }
      const message = body.message;
      const target = message?.token ?? message?.topic;
      if (typeof target !== 'string') return refuse(400, 'INVALID_ARGUMENT', 'no token or topic');
      const data = (message?.data ?? {}) as Record<string, unknown>;
      if (Object.values(data).some((v) => typeof v !== 'string')) {
        return refuse(400, 'INVALID_ARGUMENT', 'data values must be strings');
      }
      const answer = peer.answer(target);
      if (answer) {
        return json(answer.status, {
          error: {
            code: answer.status,
            message: `refused: ${answer.fcm ?? answer.rpc}`,
            status: answer.rpc,
            ...(answer.fcm
              ? {
                  details: [
                    {
                      '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
                      errorCode: answer.fcm,
                    },
                  ],
                }
              : {}),
          },
        });
      }
      peer.received.push({ message, validateOnly: body.validate_only === true });
      json(200, { name: `projects/${account.project_id}/messages/${peer.received.length}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return peer;
}
