import type { KeyObject } from 'node:crypto';
import { createSecureServer, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { Test } from 'tap';
import { SERVER_CERT, SERVER_KEY } from './plugin-harness.js';

/** A notification APNs accepted. */
export interface ApnsReceived {
  token: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: the payload as JSON
  payload: any;
  /** The provider token's issued-at (seconds). */
  iat: number;
}

export interface ApnsPeer {
  origin: string;
  received: ApnsReceived[];
  /** Why requests were refused (provider token, headers). */
  rejected: string[];
  /** Connections opened (HTTP/2 sessions): one when reused. */
  sessions: number;
  /** What to answer a device token (default 200); `hang`: never answer. */
  answer: (
    token: string,
  ) => { status: number; reason?: string; headers?: Record<string, string> } | 'hang';
}

/**
 * An APNs stand-in over HTTP/2 + TLS (test certificate) that checks what APNs checks: the
 * ES256 provider token (signature with the team's key, `kid`, `iss`, age under an hour),
 * `apns-topic`, `apns-push-type`, `apns-priority` and the JSON body; it answers with
 * APNs's JSON `{reason}` when told to refuse.
 */
export async function startApnsPeer(
  t: Test,
  trust: { teamId: string; keyId: string; publicKey: KeyObject; topic: string },
): Promise<ApnsPeer> {
  const peer: ApnsPeer = {
    origin: '',
    received: [],
    rejected: [],
    sessions: 0,
    answer: () => ({ status: 200 }),
  };
  const server = createSecureServer({ cert: SERVER_CERT, key: SERVER_KEY });
  const open = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (session) => {
    peer.sessions++;
    open.add(session);
    session.on('close', () => open.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', async () => {
      const reply = (status: number, reason?: string, extra: Record<string, string> = {}) => {
        stream.respond({ ':status': status, 'apns-id': String(headers['apns-id']), ...extra });
        stream.end(reason ? JSON.stringify({ reason }) : undefined);
      };
      const refuse = (status: number, reason: string, why: string) => {
        peer.rejected.push(why);
        reply(status, reason);
      };
      const path = String(headers[':path']);
      const token = /^\/3\/device\/([0-9a-f]+)$/i.exec(path)?.[1];
      if (headers[':method'] !== 'POST' || !token) return refuse(405, 'MethodNotAllowed', path);
      const auth = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
      if (!auth) return refuse(403, 'MissingProviderToken', 'no bearer token');
      let iat: number;
      try {
        const header = decodeProtectedHeader(auth);
        if (header.kid !== trust.keyId) throw new Error(`kid ${header.kid}`);
        const { payload } = await jwtVerify(auth, trust.publicKey, {
          algorithms: ['ES256'],
          issuer: trust.teamId,
        });
        iat = payload.iat!;
        if (Date.now() / 1000 - iat > 3600) {
          return refuse(403, 'ExpiredProviderToken', 'token older than an hour');
        }
      } catch (err) {
        return refuse(403, 'InvalidProviderToken', `token: ${(err as Error).message}`);
      }
      if (headers['apns-topic'] !== trust.topic) {
        return refuse(400, 'TopicDisallowed', `topic ${headers['apns-topic']}`);
      }
      if (!['alert', 'background'].includes(String(headers['apns-push-type']))) {
        return refuse(400, 'InvalidPushType', 'push type');
      }
      if (!['5', '10'].includes(String(headers['apns-priority']))) {
        return refuse(400, 'BadPriority', 'priority');
      }
      let payload: { aps?: unknown };
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof payload.aps !== 'object') throw new Error('no aps');
      } catch (err) {
        return refuse(400, 'PayloadEmpty', `payload: ${(err as Error).message}`);
      }
      const answer = peer.answer(token);
      if (answer === 'hang') return;
      if (answer.status === 200) peer.received.push({ token, headers, payload, iat });
      reply(answer.status, answer.reason, answer.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const session of open) session.destroy();
        server.close(() => resolve());
      }),
  );
  return peer;
}
