import { readFileSync } from 'node:fs';
import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { ERRORS, errorEnvelope, NotifydError, toNotifydError } from '../../src/core/errors.js';
import { createIdGenerator, pooledRandom } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { maskText } from '../../src/core/mask.js';
import { CursorCodec } from '../../src/notifications/cursor.js';
import { VERSION } from '../../src/version.js';

t.test('ids sort by creation time, even within one millisecond', async (t) => {
  const clock = new FakeClock();
  const ids = createIdGenerator(clock);
  const made = Array.from({ length: 1000 }, () => ids('ntf'));
  clock.advance(1);
  made.push(ids('ntf'));
  t.same([...made].sort(), made);
  t.equal(new Set(made).size, made.length);
  t.match(made[0], /^ntf_[0-9A-Z]{26}$/);
});

t.test('the pooled random source stays in [0, 1) and spreads evenly across refills', async (t) => {
  const random = pooledRandom();
  const buckets = new Array(32).fill(0);
  const draws = 3 * 1024 + 7;
  for (let i = 0; i < draws; i++) {
    const x = random();
    if (!(x >= 0 && x < 1)) t.fail(`out of range: ${x}`);
    buckets[Math.floor(x * 32)]++;
  }
  // ulid maps each draw onto 32 characters: every one must be reachable.
  t.ok(
    buckets.every((n) => n > 0),
    'every character is drawn',
  );
  const ids = Array.from({ length: 200 }, (_, i) => createIdGenerator(new FakeClock(i))('ntf'));
  t.equal(new Set(ids.map((id) => id.slice(-16))).size, 200, 'random parts differ');
});

t.test('errors carry their catalogue status; unknown errors become INTERNAL_ERROR', async (t) => {
  const e = new NotifydError('DUPLICATE_NOTIFICATION', undefined, { notification_id: 'x' });
  t.equal(e.status, 409);
  t.same(errorEnvelope(e, 'req_1'), {
    error: {
      code: 'DUPLICATE_NOTIFICATION',
      message: ERRORS.DUPLICATE_NOTIFICATION.message,
      details: { notification_id: 'x' },
      request_id: 'req_1',
    },
  });
  t.equal(toNotifydError(new Error('boom')).code, 'INTERNAL_ERROR');
  t.equal(
    toNotifydError(new Error('boom')).message,
    ERRORS.INTERNAL_ERROR.message,
    'internals are not leaked',
  );
});

t.test("the README's error table is the catalogue", async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const rows = [...readme.matchAll(/^\| `([A-Z_]+)` +\| (\d{3}) +\|/gm)].map((m) => [
    m[1],
    Number(m[2]),
  ]);
  t.same(
    rows,
    Object.entries(ERRORS).map(([code, e]) => [code, e.status]),
  );
});

t.test('personal data is masked in log text', async (t) => {
  t.equal(maskText('mail jane.doe@example.com now'), 'mail j***@example.com now');
  t.equal(maskText('call +44 7700 900123'), 'call ***23');
  t.equal(maskText('call 07700 900123 or 555-123-4567'), 'call ***23 or ***67');
  t.equal(
    maskText('listening on http://127.0.0.1:8080 since 2026-11-23T10:00:00.000Z'),
    'listening on http://127.0.0.1:8080 since 2026-11-23T10:00:00.000Z',
    'addresses and dates are not phone numbers',
  );
  t.equal(maskText('key nk_abcdefghijklmnop'), 'key nk_***');
  t.equal(maskText('Authorization: Bearer eyJhbGciOi.xyz'), 'Authorization: Bearer ***');
});

t.test('cursors round-trip and refuse tampering', async (t) => {
  const codec = new CursorCodec(Buffer.alloc(32, 7));
  const c = codec.encode('ntf_01ABC');
  t.equal(codec.decode(c), 'ntf_01ABC');
  t.throws(() => new CursorCodec(Buffer.alloc(32, 8)).decode(c), { code: 'INVALID_CURSOR' });
  t.throws(() => codec.decode('x'), { code: 'INVALID_CURSOR' });
});

t.test('VERSION matches package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  t.equal(VERSION, pkg.version);
});

t.test('log lines are JSON with secrets and personal data masked', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (s: string) => lines.push(s) },
  });
  logger.info(
    { email: 'jane.doe@example.com', token: 'eyJabc.def', user: { phone: '+44 7700 900123' } },
    'sent to jane.doe@example.com with nk_secretsecretsecret',
  );
  const entry = JSON.parse(lines[0]!);
  t.equal(entry.level, 'info');
  t.equal(entry.email, 'j***@example.com');
  t.equal(entry.user.phone, '***23');
  t.notMatch(lines[0], /jane\.doe|secretsecret|eyJabc/);
});
