import t from 'tap';
import { embeddedIpv4 } from '../../src/core/embedded-ipv4.js';
import { IpRanges } from '../../src/core/ip-ranges.js';

t.test('the IPv4 address inside each IPv6 spelling', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['::ffff:169.254.169.254', '169.254.169.254'],
    ['::FFFF:a9fe:a9fe', '169.254.169.254'],
    ['::169.254.169.254', '169.254.169.254'],
    ['::a9fe:a9fe', '169.254.169.254'],
    ['0:0:0:0:0:0:a9fe:a9fe', '169.254.169.254'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['64:ff9b::169.254.169.254', '169.254.169.254'],
    ['2002:a9fe:a9fe::1', '169.254.169.254'],
    ['2002:7f00:1::', '127.0.0.1'],
    ['::1', null],
    ['::', null],
    ['2001:db8::a9fe:a9fe', null],
    ['fe80::1%eth0', null],
    ['169.254.169.254', null],
    ['not an address', null],
  ];
  for (const [ip, want] of cases) t.equal(embeddedIpv4(ip), want, ip);
});

t.test('deny lists catch every spelling; allow lists only the mapped one', async (t) => {
  const ranges = new IpRanges(['169.254.0.0/16', '10.0.0.0/8']);
  for (const ip of [
    '169.254.169.254',
    '::ffff:169.254.169.254',
    '::a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::',
    '::ffff:10.1.2.3',
  ]) {
    t.ok(ranges.hasAnySpelling(ip), `denied: ${ip}`);
  }
  t.notOk(ranges.hasAnySpelling('2001:db8::1'));
  t.notOk(ranges.hasAnySpelling('8.8.8.8'));
  t.ok(ranges.has('::ffff:10.1.2.3'), 'mapped counts as IPv4 for allow lists');
  t.notOk(ranges.has('64:ff9b::a01:203'), 'a chosen NAT64 source does not pass for 10.1.2.3');
});

t.test('webhook connections are refused for every spelling at connect time', async (t) => {
  const { WebhookTransport } = await import('../../src/webhooks/transport.js');
  const transport = new WebhookTransport(['169.254.0.0/16']);
  // The agents' lookup runs on every new connection, whatever the URL said at registration.
  type Lookup = (host: string, opts: object, cb: (err: Error | null) => void) => void;
  const lookup = (transport.http as unknown as { options: { lookup: Lookup } }).options.lookup;
  for (const host of ['::a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1']) {
    const err = await new Promise<Error | null>((resolve) =>
      lookup(host, { all: true }, (e) => resolve(e)),
    );
    t.match(err, { message: /denied_networks/ }, host);
  }
});
