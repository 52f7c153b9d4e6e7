import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { createMemoryStore } from '../../src/store/memory/index.js';
import {
  ACTIVATION_FUNNEL,
  activationEvents,
  DAY,
  ev,
  HOUR,
  iso,
} from '../helpers/funnel-users.js';
import { startServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 2, 10, 12);
const T = Date.UTC(2026, 2, 7);
const F = '/api/v1/analytics/funnels';

t.test('funnel results: entered, completed, conversion, drop-off and time to next', async (t) => {
  const s = await startServer(t, {}, createMemoryStore(), { clock: new FakeClock(NOW) });
  const seeded = await s.api('POST', '/api/v1/analytics/events/batch', {
    events: [
      ...activationEvents(T),
      ev('onboard', 'u5', T + HOUR, { source: 'web' }), // never signed up
      { event_type: 'signup', timestamp: iso(T) }, // no user: not in funnels
    ],
  });
  t.equal(seeded.body.accepted, 15);
  const created = await s.api('POST', F, ACTIVATION_FUNNEL);
  t.equal(created.status, 201);
  t.match(created.body, { id: /^fnl_/, steps: [{ order: 0 }, { order: 1 }, { order: 2 }] });
  const res = await s.api(
    'GET',
    `${F}/${created.body.id}/results?start=${iso(T)}&end=${iso(T + DAY)}`,
  );
  t.equal(res.status, 200);
  t.same(res.body.steps, [
    {
      step_name: 'Signed up',
      entered: 5,
      completed: 2,
      conversion_rate: 0.4,
      drop_off_rate: 0.6,
      avg_time_to_next_seconds: 5400,
    },
    {
      step_name: 'Onboarded',
      entered: 2,
      completed: 1,
      conversion_rate: 0.5,
      drop_off_rate: 0.5,
      avg_time_to_next_seconds: 7200,
    },
    {
      step_name: 'Bought',
      entered: 1,
      completed: 1,
      conversion_rate: 1,
      drop_off_rate: 0,
      avg_time_to_next_seconds: null,
    },
  ]);
  t.equal(res.body.overall_conversion_rate, 0.2);
  t.equal(res.body.avg_completion_time_seconds, 10_800);
  const byName = await s.api('GET', `${F}/activation/results?start=${iso(T)}&end=${iso(T + DAY)}`);
  t.same(byName.body.steps, res.body.steps, 'by name');
  const empty = await s.api(
    'GET',
    `${F}/activation/results?start=${iso(T - 5 * DAY)}&end=${iso(T - 4 * DAY)}`,
  );
  // Nobody entered: a rate over nobody is null (nothing to divide by), not 0.
  t.equal(empty.body.overall_conversion_rate, null);
  t.equal(empty.body.avg_completion_time_seconds, null);
  t.same(
    empty.body.steps.map((s: Record<string, unknown>) => [
      s.entered,
      s.completed,
      s.conversion_rate,
      s.drop_off_rate,
      s.avg_time_to_next_seconds,
    ]),
    [
      [0, 0, null, null, null],
      [0, 0, null, null, null],
      [0, 0, null, null, null],
    ],
  );

  const widened = await s.api('PATCH', `${F}/activation`, {
    conversion_window_seconds: 3 * 86_400,
  });
  t.equal(widened.status, 200);
  const later = await s.api('GET', `${F}/activation/results?start=${iso(T)}&end=${iso(T + DAY)}`);
  t.equal(later.body.steps[1].entered, 3, 'u4 onboarded within three days');
  t.equal((await s.api('GET', F)).body.total, 1);

  // Without filters the store answers (AnalyticsStore.funnel): the same counts; a step
  // nobody entered has no rate, one everybody left has 0.
  const plain = await s.api('POST', F, {
    name: 'refunds',
    steps: [
      { name: 'Signed up', event_type: 'signup' },
      { name: 'Bought', event_type: 'purchase' },
      { name: 'Refunded', event_type: 'refund' },
    ],
    conversion_window_seconds: 86_400,
  });
  t.equal(plain.status, 201);
  const refunds = await s.api('GET', `${F}/refunds/results?start=${iso(T)}&end=${iso(T + DAY)}`);
  t.same(refunds.body.steps, [
    {
      step_name: 'Signed up',
      entered: 5,
      completed: 2,
      conversion_rate: 0.4,
      drop_off_rate: 0.6,
      avg_time_to_next_seconds: 7200,
    },
    {
      step_name: 'Bought',
      entered: 2,
      completed: 0,
      conversion_rate: 0,
      drop_off_rate: 1,
      avg_time_to_next_seconds: null,
    },
    {
      step_name: 'Refunded',
      entered: 0,
      completed: 0,
      conversion_rate: null,
      drop_off_rate: null,
      avg_time_to_next_seconds: null,
    },
  ]);
  t.equal(refunds.body.overall_conversion_rate, 0);
  t.equal(refunds.body.avg_completion_time_seconds, null);
});

t.test('funnel errors', async (t) => {
  const s = await startServer(t, {}, createMemoryStore(), { clock: new FakeClock(NOW) });
  const steps = [
    { name: 'a', event_type: 'a' },
    { name: 'b', event_type: 'b' },
  ];
  t.equal((await s.api('POST', F, { name: 'one', steps: steps.slice(1) })).status, 400, 'one step');
  const badFilter = await s.api('POST', F, {
    name: 'x',
    steps: [{ ...steps[0], filters: [{ field: 'p', operator: 'not_in', value: 3 }] }, steps[1]],
  });
  t.equal(badFilter.status, 400);
  t.match(badFilter.body.error.message, /steps\[0\]\.filters\[0\]\.value/);
  const missing = await s.api(
    'GET',
    `${F}/fnl_01ARZ3NDEKTSV4RRFFQ69G5FAV/results?start=${iso(T)}&end=${iso(NOW)}`,
  );
  t.equal(missing.status, 404);
  t.equal(missing.body.error.code, 'FUNNEL_NOT_FOUND');
  t.equal((await s.api('POST', F, { name: 'ok', steps })).status, 201);
  const reversed = await s.api('GET', `${F}/ok/results?start=${iso(NOW)}&end=${iso(T)}`);
  t.equal(reversed.status, 400);
  t.equal(reversed.body.error.code, 'INVALID_TIME_RANGE');
  const noEnd = await s.api('GET', `${F}/ok/results?start=${iso(T)}`);
  t.equal(noEnd.status, 400);
  t.equal(noEnd.body.error.code, 'VALIDATION_ERROR');
  t.equal((await s.api('DELETE', `${F}/ok`)).status, 204);
  t.equal((await s.api('GET', `${F}/ok`)).status, 404);
});
