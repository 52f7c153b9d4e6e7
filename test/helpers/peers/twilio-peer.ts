import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';

/** A message the Messages API accepted: its form fields. */
export interface TwilioReceived {
  sid: string;
  form: Record<string, string>;
  /** Who authenticated: the account SID or the API key SID. */
  user: string;
}

export interface TwilioPeer {
  url: string;
  received: TwilioReceived[];
  /** Requests refused for auth or form reasons. */
  rejected: string[];
  /** Answer an error to this `To` (Twilio's JSON error), or accept (null). */
  answer: (to: string) => { status: number; code?: number; message?: string } | null;
  /** A message's status as `GET …/Messages/{sid}.json` answers it (default: queued). */
  statuses: Map<string, { status: string; error_code?: number }>;
  /** The message SIDs fetched, in order. */
  fetched: string[];
}

/**
 * Twilio's REST API as far as SMS goes, on loopback: `POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json` with Basic auth (account SID + auth
 * token, or API key SID + secret) and a form body checked as Twilio does (To, Body, From
 * or MessagingServiceSid), `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json` (the
 * status the test set, 404 for a SID it never issued) and `GET
 * /2010-04-01/Accounts/{AccountSid}.json`.
 */
export async function startTwilioPeer(
  t: Test,
  accountSid: string,
  credentials: Record<string, string>,
): Promise<TwilioPeer> {
  const peer: TwilioPeer = {
    url: '',
    received: [],
    rejected: [],
    answer: () => null,
    statuses: new Map(),
    fetched: [],
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const error = (status: number, code: number, message: string) =>
        json(status, {
          code,
          message,
          more_info: `https://www.twilio.com/docs/errors/${code}`,
          status,
        });
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [user = '', pass] = Buffer.from(basic ?? '', 'base64')
        .toString()
        .split(':');
      if (credentials[user] === undefined || credentials[user] !== pass) {
        peer.rejected.push(`auth ${user}`);
        return error(401, 20003, 'Authenticate');
      }
      const base = `/2010-04-01/Accounts/${accountSid}`;
      if (req.method === 'GET' && req.url === `${base}.json`) {
        return json(200, { sid: accountSid, friendly_name: 'Acme', status: 'active' });
      }
      const asked = new RegExp(`^${base}/Messages/(SM[0-9a-f]{32})\\.json$`).exec(req.url ?? '');
      if (req.method === 'GET' && asked) {
        const sid = asked[1] as string;
        const sent = peer.received.find((r) => r.sid === sid);
        if (!sent) return error(404, 20404, `The requested resource ${req.url} was not found`);
        peer.fetched.push(sid);
        const { status, error_code } = peer.statuses.get(sid) ?? { status: 'queued' };
        return json(200, {
          sid,
          account_sid: accountSid,
          to: sent.form.To,
          from: sent.form.From ?? null,
          body: sent.form.Body,
          status,
          error_code: error_code ?? null,
          error_message: null,
        });
      }
      if (req.method !== 'POST' || req.url !== `${base}/Messages.json`) {
        peer.rejected.push(`path ${req.method} ${req.url}`);
        return error(404, 20404, 'The requested resource was not found');
      }
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        peer.rejected.push(`content-type ${req.headers['content-type']}`);
        return error(400, 21000, 'form body expected');
      }
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      if (!form.To || !form.Body || (!form.From && !form.MessagingServiceSid)) {
        peer.rejected.push(`form ${JSON.stringify(form)}`);
        return error(400, 21604, "A 'To', 'Body' and 'From' or 'MessagingServiceSid' are required");
      }
      const answer = peer.answer(form.To);
      if (answer) {
        return error(answer.status, answer.code ?? answer.status, answer.message ?? 'refused');
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      peer.received.push({ sid, form, user });
      json(201, {
        sid,
        account_sid: accountSid,
        to: form.To,
        from: form.From ?? null,
        messaging_service_sid: form.MessagingServiceSid ?? null,
        body: form.Body,
        status: 'queued',
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return peer;
}
