import { BlockList, isIP } from 'node:net';
import { embeddedIpv4 } from './embedded-ipv4.js';
import type { ReportIssue } from './option-spec.js';

/** Checks one address or CIDR range (v4 or v6); returns a reason when it is not one. */
export function checkRange(range: string): string | null {
  const [address, bits, extra] = range.split('/');
  if (extra !== undefined) return `${range} is not an IP address or CIDR range`;
  const family = isIP(address ?? '');
  if (family === 0) return `${range} is not an IP address or CIDR range`;
  if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128))) {
    return `${range} has an invalid prefix length`;
  }
  return null;
}

/** Reports each entry of the list option at `path` that is not an address or CIDR range. */
export function reportBadRanges(
  path: string,
  ranges: readonly string[],
  report: ReportIssue,
): void {
  for (const range of ranges) {
    const reason = checkRange(range);
    if (reason) report(path, range, `${reason}; give addresses or CIDR ranges`);
  }
}

/** A set of addresses and ranges, built once and asked on every request. */
export class IpRanges {
  private readonly list = new BlockList();

  /** Ranges must have passed checkRange. */
  constructor(ranges: readonly string[]) {
    for (const range of ranges) {
      const [address, bits] = range.split('/') as [string, string | undefined];
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
  }

  /** Whether `ip` is in one of the ranges; an IPv4-mapped IPv6 address counts as IPv4. */
  has(ip: string): boolean {
    const family = isIP(ip);
    if (family === 0) return false;
    if (family === 6 && ip.toLowerCase().startsWith('::ffff:') && isIP(ip.slice(7)) === 4) {
      return this.list.check(ip.slice(7), 'ipv4') || this.list.check(ip, 'ipv6');
    }
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * Whether `ip`, or the IPv4 address it embeds (mapped, compatible, NAT64, 6to4), is in
   * one of the ranges: for deny lists, where every spelling of a denied address must be
   * caught. Allow lists keep `has`, lest a chosen IPv6 source pass for an allowed IPv4.
   */
  hasAnySpelling(ip: string): boolean {
    if (this.has(ip)) return true;
    const inner = embeddedIpv4(ip);
    return inner !== null && this.list.check(inner, 'ipv4');
  }
}
