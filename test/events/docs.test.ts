import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { EVENTS } from '../../src/events/catalogue.js';
import { renderEventsDoc } from '../../src/events/docs.js';

const file = fileURLToPath(new URL('../../docs/events.md', import.meta.url));

if (process.env.UPDATE_EVENT_DOCS === '1') writeFileSync(file, renderEventsDoc());

t.test('docs/events.md is what the catalogue renders', async (t) => {
  t.equal(
    readFileSync(file, 'utf8'),
    renderEventsDoc(),
    'docs/events.md matches the catalogue (if not, run: UPDATE_EVENT_DOCS=1 npx tap test/events/docs.test.ts)',
  );
});

t.test('one row per event, with its module, description and payload fields', async (t) => {
  const rows = renderEventsDoc()
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  t.equal(rows.length, Object.keys(EVENTS).length);
  const cells = (name: string) =>
    rows
      .find((r) => r.startsWith(`| \`${name}\` `))
      ?.split(' | ')
      .map((c) => c.replace(/^\| /, '').replace(/ *\|$/, '').trim());
  t.same(cells('webhook.test'), [
    '`webhook.test`',
    'webhooks',
    EVENTS['webhook.test'].description,
    '`webhook_id` string, `message` string',
  ]);
  const exceeded = cells('ratelimit.limit_exceeded');
  t.equal(exceeded?.[1], 'ratelimit');
  t.match(exceeded?.[3], '`scope` enum');
  t.match(exceeded?.[3], '`policy_id` string or null');
  t.match(exceeded?.[3], '`reset_at` date-time');
  t.match(exceeded?.[3], '`retry_after_seconds` integer');
  t.match(cells('ratelimit.penalty_box_entered')?.[3], '`until` date-time or null');
  const policy = cells('ratelimit.policy_created')?.[3];
  t.match(policy, '`limits` array of object');
  t.match(policy, '`token_bucket` object or null');
  t.match(policy, '`is_active` boolean');
});
