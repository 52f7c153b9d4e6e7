/**
 * The webhook provider's peer for kill -9 checks: an HTTP receiver on loopback that records
 * every signed delivery it gets (which node sent it, by path), and answers each after
 * `delayMs` (slow: so that a node has deliveries in flight when it is killed). `held` counts
 * the requests received and not yet answered.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { signatureValid } from './webhook-receiver.js';

/** One delivery as the peer got it. */
export interface PeerDelivery {
  /** The path it was posted to: one per node under test. */
  path: string;
  delivery_id: string;
  notification_id: string;
  /** Date.now() when the whole request had arrived. */
  at: number;
}

export interface DeliveryPeer {
  url: string;
  got: PeerDelivery[];
  /** How long each answer waits; changeable at any time (applies to requests after). */
  delayMs: number;
  /** Received, not answered yet. */
  held: number;
  /** Requests whose signature did not check out (none expected). */
  badSignatures: number;
}

export async function startDeliveryPeer(t: Test, secret: string): Promise<DeliveryPeer> {
  const peer: DeliveryPeer = { url: '', got: [], delayMs: 0, held: 0, badSignatures: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { delivery_id: string; notification_id: string };
      const path = req.url ?? '/';
      if (!signatureValid({ path, headers: req.headers, raw, body, at: Date.now() }, secret)) {
        peer.badSignatures++;
      }
      peer.got.push({
        path,
        delivery_id: body.delivery_id,
        notification_id: body.notification_id,
        at: Date.now(),
      });
      peer.held++;
      setTimeout(() => {
        peer.held--;
        res.writeHead(200, { 'x-message-id': `peer-${body.delivery_id}` }).end('{}');
      }, peer.delayMs);
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
