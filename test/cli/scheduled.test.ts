import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { cliIO } from '../helpers/cli.js';
import { ADMIN_KEY, startServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

t.test('notifyd scheduled list, show, cancel', async (t) => {
  const s = await startServer(t, { scheduler: { enabled: false } }, createMemoryStore(), {
    clock: new FakeClock(NOW),
  });
  const ids: string[] = [];
  for (const who of ['ann', 'bob', 'cid']) {
    const res = await s.api('POST', '/api/v1/notifications', {
      recipient_id: who,
      content: { title: 'Later', body: '' },
      send_at: iso(NOW + 3_600_000),
      cancellation_key: `promo-${who}`,
    });
    ids.push(res.body.scheduled_id);
  }
  const env = { NOTIFYD_URL: s.url, NOTIFYD_API_KEY: ADMIN_KEY };
  const run = async (args: string[], code = 0) => {
    const r = cliIO(env);
    t.equal(await runCli(args, r.io), code, `notifyd ${args.join(' ')} ${r.err()}`);
    return r;
  };

  const list = (await run(['scheduled', 'list'])).out();
  t.match(list, /ID\s+STATUS\s+SEND AT\s+RECIPIENT\s+CANCELLATION KEY/);
  t.match(
    list,
    new RegExp(`${ids[2]}\\s+scheduled\\s+2026-06-01T13:00:00.000Z\\s+cid\\s+promo-cid`),
  );
  const paged = await run(['scheduled', 'list', '--limit', '2']);
  t.match(paged.out(), new RegExp(`more: --cursor ${ids[1]}`));
  const rest = JSON.parse(
    (await run(['scheduled', 'list', '--cursor', ids[1] as string, '--json'])).out(),
  );
  t.same(
    rest.data.map((v: { scheduled_id: string }) => v.scheduled_id),
    [ids[0]],
  );

  t.match(
    (await run(['scheduled', 'show', ids[0] as string])).out(),
    new RegExp(`^${ids[0]}: scheduled, send at 2026-06-01T13:00:00.000Z to ann`),
  );
  t.match((await run(['scheduled', 'cancel', ids[0] as string])).out(), /Cancelled scheduled send/);
  const again = await run(['scheduled', 'cancel', ids[0] as string], 1);
  t.match(again.err(), /cancelled/);
  t.equal(
    JSON.parse((await run(['scheduled', 'show', ids[0] as string, '--json'])).out()).status,
    'cancelled',
  );
  t.match(
    (await run(['scheduled', 'list', '--status', 'cancelled'])).out(),
    new RegExp(`${ids[0]}\\s+cancelled`),
  );
  t.match((await run(['scheduled', 'list', '--status', 'nope'], 1)).err(), /--status must be/);
  t.match((await run(['scheduled', 'show', 'job_nope'], 1)).err(), /No such scheduled send/);
});
