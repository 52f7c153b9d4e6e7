import t from 'tap';
import { FakeClock } from '../../src/core/clock.js';
import { startServer } from '../helpers/server.js';

t.test(
  'GET /scheduler/stats counts jobs per kind and state; /metrics has the gauges',
  async (t) => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const s = await startServer(t, { scheduler: { enabled: false } }, undefined, { clock });
    const { scheduler } = s.server;
    scheduler.register('demo', () => undefined);
    await scheduler.schedule('t1', 'demo', clock.now() + 60_000, {});
    await scheduler.schedule('t2', 'demo', clock.now() - 1, {});
    await scheduler.schedule('t1', 'other', clock.now() - 1, {});
    const res = await s.api('GET', '/api/v1/scheduler/stats');
    t.equal(res.status, 200);
    t.same(res.body, {
      data: [
        { kind: 'demo', scheduled: 1, due: 1, running: 0, failed: 0 },
        { kind: 'other', scheduled: 0, due: 1, running: 0, failed: 0 },
      ],
      node_kinds: [
        'analytics.alert_rule',
        'analytics.report_schedule',
        'delivery.status_poll',
        'demo',
        'digest.flush',
        'notification.release',
        'notification.send',
        'workflow.step',
      ],
    });
    const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    t.match(metrics, /notifyd_scheduler_jobs\{kind="demo",state="due"\} 1/);
    t.match(metrics, /notifyd_scheduler_runs_total/);
  },
);

t.test('the stats need an admin key', async (t) => {
  const s = await startServer(t);
  const res = await s.api('GET', '/api/v1/scheduler/stats', undefined, 'nk_wrong');
  t.equal(res.status, 401);
});

t.test('a started server runs due jobs and counts the runs', async (t) => {
  const s = await startServer(t, { scheduler: { poll_interval_ms: 10 } });
  const keep = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(keep));
  const { scheduler } = s.server;
  const ran = new Promise<string>((resolve) => {
    scheduler.register('late-registered', (job) => {
      resolve(job.id);
      return undefined;
    });
  });
  const { job } = await scheduler.schedule('t1', 'late-registered', Date.now() - 5, { a: 1 });
  t.equal(await ran, job.id);
  t.match(await scheduler.get('t1', job.id), { payload: { a: 1 } });
  t.match(await scheduler.get('t1', { key: 'none' }), null);
  t.same(await scheduler.list('t1', {}, 5).then((l) => l.map((j) => j.id)), [job.id]);
  t.match(await scheduler.cancel('t1', job.id), { cancelled: false });
  t.equal(await scheduler.cancel('t1', { key: 'none' }), null);
  const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
  t.match(metrics, /notifyd_scheduler_runs_total\{kind="late-registered",result="done"\} 1/);
});
