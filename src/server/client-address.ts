import { isIP } from 'node:net';
import { IpRanges } from '../core/ip-ranges.js';

/**
 * Who the client is. The socket's peer, unless the peer is a trusted proxy
 * (`server.trusted_proxies`, or any peer with `server.trust_proxy`): then X-Forwarded-For is
 * read from the right, skipping trusted hops, and the first address that is not one of ours
 * is the client. A client cannot pose as someone else by sending the header itself: hops it
 * wrote stand to the left of those our proxies added.
 */
export class ClientAddresses {
  private readonly trusted: IpRanges | null;

  constructor(
    private readonly trustAll: boolean,
    trustedProxies: readonly string[],
  ) {
    this.trusted = trustedProxies.length > 0 ? new IpRanges(trustedProxies) : null;
  }

  private isTrusted(address: string): boolean {
    return this.trusted ? this.trusted.has(address) : this.trustAll;
  }

  of(peer: string, forwarded: string | undefined): string {
    if (!forwarded || !this.isTrusted(peer)) return peer;
    const hops = forwarded
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return peer;
      if (!this.isTrusted(hop) || i === 0) return hop;
    }
    return peer;
  }
}
