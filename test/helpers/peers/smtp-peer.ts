import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Test } from 'tap';
import { SERVER_CERT, SERVER_KEY } from './plugin-harness.js';

/** One MIME part, decoded. */
export interface MimePart {
  headers: Record<string, string>;
  body: string;
  /** The decoded bytes (an attachment's file). */
  bytes: Buffer;
}

/** A mail the server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  headers: Record<string, string>;
  /** The leaves of the MIME tree (text/plain, text/html…). */
  parts: MimePart[];
  raw: string;
}

/** A refusal as an SMTP reply: `code` and text (with its enhanced status code). */
export type Reply = { code: number; text: string } | null;

export interface SmtpPeer {
  port: number;
  mails: ReceivedMail[];
  /** Refuse a recipient (RCPT TO) with this reply, or accept it (null). */
  onRcpt: (address: string) => Reply;
  /** Refuse the message after DATA, or accept it. */
  onData: (mail: ReceivedMail) => Reply;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function decodeBytes(body: string, encoding = '7bit'): Buffer {
  if (encoding.toLowerCase() === 'base64') return Buffer.from(body, 'base64');
  return Buffer.from(body, 'latin1');
}

function decode(body: string, encoding = '7bit'): string {
  if (encoding.toLowerCase() === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding.toLowerCase() === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Splits an entity into its decoded leaves (enough MIME for what nodemailer writes). */
export function mimeLeaves(entity: string): { headers: Record<string, string>; parts: MimePart[] } {
  const split = entity.indexOf('\r\n\r\n');
  const headers = parseHeaders(entity.slice(0, split));
  const body = entity.slice(split + 4);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!headers['content-type']?.startsWith('multipart/') || !boundary) {
    return {
      headers,
      parts: [
        {
          headers,
          body: decode(body, headers['content-transfer-encoding']).trimEnd(),
          bytes: decodeBytes(body, headers['content-transfer-encoding']),
        },
      ],
    };
  }
  const pieces = body.split(`--${boundary}`).slice(1, -1);
  const parts = pieces.flatMap((p) => mimeLeaves(p.replace(/^\r\n/, '')).parts);
  return { headers, parts };
}

/**
 * An SMTP server on loopback (smtp-server) with STARTTLS on the test certificate and
 * AUTH PLAIN/LOGIN against `credentials`; it refuses what `onRcpt`/`onData` tell it to.
 */
export async function startSmtpPeer(
  t: Test,
  credentials: { user: string; pass: string } | null,
): Promise<SmtpPeer> {
  const peer: SmtpPeer = { port: 0, mails: [], onRcpt: () => null, onData: () => null };
  const refusal = (reply: NonNullable<Reply>) =>
    Object.assign(new Error(reply.text), { responseCode: reply.code });
  const server = new SMTPServer({
    key: SERVER_KEY,
    cert: SERVER_CERT,
    authOptional: credentials === null,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      const reply = peer.onRcpt(address.address);
      callback(reply ? refusal(reply) : undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, parts } = mimeLeaves(raw);
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          headers,
          parts,
          raw,
        };
        const reply = peer.onData(mail);
        if (reply) return callback(refusal(reply));
        peer.mails.push(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.server.address() as AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return peer;
}
