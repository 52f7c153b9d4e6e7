import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { IpRanges } from '../core/ip-ranges.js';

/** A delivery refused because its receiver's address is in webhooks.denied_networks. */
export class DeniedAddressError extends Error {
  readonly code = 'DENIED_ADDRESS';

  constructor(
    host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `${address} is in webhooks.denied_networks`
        : `${host} resolves to ${address}, which is in webhooks.denied_networks`,
    );
    this.name = 'DeniedAddressError';
  }
}

/**
 * How deliveries reach receivers: keep-alive agents whose connections are only made to
 * addresses outside `webhooks.denied_networks`. The check is made on the addresses a name
 * resolves to when connecting, so a name that resolves somewhere else later (DNS
 * rebinding) gains nothing; a URL that names an address is checked as it stands.
 */
export class WebhookTransport {
  private readonly denied: IpRanges;
  readonly http: HttpAgent;
  readonly https: HttpsAgent;

  /** `denied` must have passed checkRange (the configuration checks it). */
  constructor(denied: readonly string[]) {
    this.denied = new IpRanges(denied);
    const lookup = this.lookup;
    this.http = new HttpAgent({ keepAlive: true, lookup });
    this.https = new HttpsAgent({ keepAlive: true, lookup });
  }

  /** The agent for a URL's scheme. */
  agentFor(url: URL): HttpAgent | HttpsAgent {
    return url.protocol === 'https:' ? this.https : this.http;
  }

  /** Why a URL that names an address may not be used; null for names and allowed addresses. */
  refusal(url: URL): DeniedAddressError | null {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return isIP(host) !== 0 && this.denied.hasAnySpelling(host)
      ? new DeniedAddressError(host, host)
      : null;
  }

  /** dns.lookup for the agents' sockets: a name any of whose addresses is denied fails. */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '');
        return;
      }
      const bad = addresses.find((a) => this.denied.hasAnySpelling(a.address));
      if (bad) {
        callback(new DeniedAddressError(hostname, bad.address), '');
        return;
      }
      if (options.all) {
        callback(null, addresses);
        return;
      }
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}
