// CPU per operation of counting in-app sends and deliveries (issue 15), in process: what the
// send path pays per in-app notification (Tally.sent, from the notification.accepted
// listener) and the fan-out per notification published to a user (the countDeliveries
// wrapper's check and Tally.delivered), against the built dist/. CPU time of this process
// (process.cpuUsage), so a loaded machine changes it little.
// Since in-app sends and deliveries go on the bus too (in-app-events.ts, when the build has
// it), a delivery also asks the bus whether a webhook wants it: here a bus with a webhook
// listener that wants none of them (no webhook subscribes: the usual case), and the send
// side's `notification.sent` check is measured per notification as `sent_event_us`.
// Usage: node bench/in-app-tally.mjs [--ops 2000000] [--tenants 10] [--categories 5]
import { Tally } from '../dist/src/analytics/tally.js';
import { createIdGenerator } from '../dist/src/core/ids.js';
import { EventBus } from '../dist/src/events/bus.js';
import { countDeliveries } from '../dist/src/server/realtime/counted-deliveries.js';
import { parseArgs } from './lib/stats.mjs';

/** The build's in-app events, or null for a build from before them. */
const inAppEvents = await import('../dist/src/notifications/in-app-events.js').catch(() => null);

const opts = parseArgs(process.argv.slice(2), { ops: 2_000_000, tenants: 10, categories: 5 });
const clock = { now: () => Date.now() };
const tenants = Array.from({ length: opts.tenants }, (_, i) => `tenant-${i}`);
const categories = Array.from({ length: opts.categories }, (_, i) => `category-${i}`);
const view = (i) => ({
  id: `ntf_${i}`,
  category: categories[i % categories.length],
  template: i % 2 ? { id: 'tpl_1', key: 'welcome', version: 1 } : null,
});

/** CPU µs (user + system) that `run` took, per op. */
function cpuPerOp(run) {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / opts.ops;
}

// A node's sessions that answer at once, as the gateway's numSubscribers lookups do.
let published = 0;
const local = {
  size: 1,
  sessionsOf: (_t, user) => (user.charCodeAt(user.length - 1) & 1 ? 1 : 0),
  publish: () => {
    published++;
  },
  publishTenant: () => {},
  publishChannel: () => {},
};
const users = Array.from({ length: 1000 }, (_, i) => `user-${i}`);

const results = {};
for (let round = 0; round < 2; round++) {
  const tally = new Tally(clock);
  const at = Date.now();
  results.sent_us = cpuPerOp(() => {
    for (let i = 0; i < opts.ops; i++) {
      const v = view(i);
      tally.sent(tenants[i % tenants.length], v.category, v.template?.key ?? null, at);
    }
  });
  const bare = cpuPerOp(() => {
    for (let i = 0; i < opts.ops; i++) {
      local.publish(tenants[i % tenants.length], users[i % 1000], {
        type: 'notification',
        data: view(i),
      });
    }
  });
  // The counter the server wires: the tally alone before in-app events, the tally and the bus after.
  const bus = new EventBus(clock, createIdGenerator(clock));
  bus.subscribe(
    () => {},
    () => false,
  );
  bus.subscribe(() => {});
  const counter = inAppEvents ? inAppEvents.inAppDeliveries(bus, clock, () => tally) : tally;
  const counted = countDeliveries(local, () => counter);
  const wrapped = cpuPerOp(() => {
    for (let i = 0; i < opts.ops; i++) {
      counted.publish(tenants[i % tenants.length], users[i % 1000], {
        type: 'notification',
        data: view(i),
      });
    }
  });
  results.publish_bare_us = bare;
  results.publish_counted_us = wrapped;
  results.delivered_added_us = wrapped - bare;
  results.sums = tally.drain().length;
  if (inAppEvents) {
    const n = {
      tenant_id: 'tenant-0',
      id: 'ntf_1',
      recipient_id: 'u',
      category: 'c',
      created_at: at,
    };
    const rows = [{ id: 'dlv_1', channel: 'in_app' }];
    results.sent_event_us = cpuPerOp(() => {
      for (let i = 0; i < opts.ops; i++) inAppEvents.emitInAppSent(bus, n, rows);
    });
  }
}
const r = (x) => Math.round(x * 1000) / 1000;
console.log(
  `in-app tally: ${opts.ops} ops; sent ${r(results.sent_us)} µs CPU/op; publish to a user ` +
    `${r(results.publish_bare_us)} µs bare, ${r(results.publish_counted_us)} µs counted ` +
    `(+${r(results.delivered_added_us)} µs); ${results.sums} sums to write; ${published} published` +
    (inAppEvents ? `; in-app notification.sent unwanted ${r(results.sent_event_us)} µs` : ''),
);
console.log(JSON.stringify({ bench: 'in-app-tally', ops: opts.ops, ...results }));
