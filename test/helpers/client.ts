import { createServer as createTcpServer } from 'node:net';
import type { Test } from 'tap';
import WebSocket from 'ws';
import {
  type ClientEvents,
  type CreateClientOptions,
  createClient,
  type Notification,
  type NotifydRealtimeClient,
  type WebSocketLike,
} from '../../src/client/index.js';
import { type Running, userToken } from './server.js';

/** Reconnection settings for tests: quick and without jitter, so delays can be compared. */
export const QUICK = { initialDelayMs: 20, maxDelayMs: 400, jitter: false, maxAuthRetries: 2 };

/** A client of `s` for `user`, over `ws`, closed when the test ends. */
export async function clientOf(
  t: Test,
  s: Pick<Running, 'url'>,
  user: string,
  options: Partial<CreateClientOptions> = {},
): Promise<NotifydRealtimeClient> {
  const client = createClient({
    url: s.url,
    token: await userToken(user),
    WebSocket,
    reconnect: QUICK,
    ...options,
  });
  t.teardown(() => client.close());
  return client;
}

/** The next `event` of the client that passes `test`. */
export function nextEvent<K extends keyof ClientEvents>(
  client: NotifydRealtimeClient,
  event: K,
  test: (value: ClientEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(event)} event in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (value) => {
      if (!test(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

/** Sends a notification to `user` through the admin API; its id. */
export async function notify(s: Running, user: string, title = 'Hi'): Promise<string> {
  const res = await s.api('POST', '/api/v1/notifications', {
    recipient_id: user,
    content: { title, body: 'there' },
  });
  if (res.status !== 202) throw new Error(`send failed: ${res.status}`);
  return res.body.notification_id as string;
}

/** A loopback port free right now, for a server that must come back on the same port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A WebSocket constructor over `ws` that lets a test see and steer the wire: the URLs and
 * frames the client sent, frames passed through `incoming` (to drop, double or add some),
 * frames injected as if from the server, and a way to cut the connection.
 */
export function tappedWebSocket() {
  const sockets: TappedSocket[] = [];
  const tap = {
    sockets,
    /** Maps each server frame to the frames the client gets instead (default: itself). */
    incoming: (frame: { type: string; [k: string]: unknown }) => [frame] as unknown[],
    /** Every frame every socket sent, parsed. */
    sent: () => sockets.flatMap((s) => s.sent),
    last: () => sockets[sockets.length - 1]!,
  };
  class TappedSocket implements WebSocketLike {
    readonly inner: WebSocket;
    readonly sent: Array<{ type: string; [k: string]: unknown }> = [];
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;

    constructor(readonly url: string) {
      sockets.push(this);
      this.inner = new WebSocket(url);
      this.inner.onopen = (e) => this.onopen?.(e);
      this.inner.onerror = (e) => this.onerror?.(e);
      this.inner.onclose = (e) => this.onclose?.(e);
      this.inner.onmessage = (e) => {
        for (const frame of tap.incoming(JSON.parse(String(e.data)))) this.inject(frame);
      };
    }

    /** Hands the client a frame as if the server had sent it. */
    inject(frame: unknown): void {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }

    send(data: string): void {
      this.sent.push(JSON.parse(data));
      this.inner.send(data);
    }

    close(code?: number, reason?: string): void {
      this.inner.close(code, reason);
    }
  }
  return { WebSocket: TappedSocket, tap };
}

/**
 * Sends a notification to `user` and waits for `client` to receive one. The listener is in
 * place before the send: the frame may come before the HTTP answer does.
 */
export async function notifyAndReceive(
  s: Running,
  client: NotifydRealtimeClient,
  user: string,
  title = 'Hi',
): Promise<{ id: string; received: Notification }> {
  const received = nextEvent(client, 'notification');
  const id = await notify(s, user, title);
  return { id, received: await received };
}
