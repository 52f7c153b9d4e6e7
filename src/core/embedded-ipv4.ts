import { isIP } from 'node:net';

/** The 16 bytes of an IPv6 address (isIP must have said 6); handles `::` and a dotted tail. */
function ipv6Bytes(ip: string): number[] {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
    text = `${text.slice(0, -dotted.length)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

const startsWith = (bytes: number[], prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
const v4 = (bytes: number[]) => bytes.join('.');

/**
 * The IPv4 address an IPv6 address carries, or null: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some stacks; not `::` or
 * `::1`), NAT64 (`64:ff9b::/96`, RFC 6052) and 6to4 (`2002:AABB:CCDD::/16`, RFC 3056).
 * `[::a9fe:a9fe]` reaches 169.254.169.254 on hosts that route these forms, so a deny list
 * must judge them by the IPv4 address within.
 */
export function embeddedIpv4(ip: string): string | null {
  if (isIP(ip) !== 6) return null;
  const b = ipv6Bytes(ip);
  const zeros = (n: number) => Array(n).fill(0);
  if (startsWith(b, [...zeros(10), 0xff, 0xff])) return v4(b.slice(12));
  if (startsWith(b, zeros(12)) && b[12] !== 0) return v4(b.slice(12));
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, ...zeros(8)])) return v4(b.slice(12));
  if (startsWith(b, [0x20, 0x02])) return v4(b.slice(2, 6));
  return null;
}
