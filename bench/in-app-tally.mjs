// CPU per operation of counting in-app sends and deliveries (issue 15), in process: what the
// send path pays per in-app notification (Tally.sent, from the notification.accepted
// listener) and the fan-out per notification published to a user (the countDeliveries
// wrapper's check and Tally.delivered), against the built dist/. CPU time of this process
// (process.cpuUsage), so a loaded machine changes it little.
// Usage: node bench/in-app-tally.mjs [--ops 2000000] [--tenants 10] [--categories 5]
import { Tally } from '../dist/src/analytics/tally.js';
import { countDeliveries } from '../dist/src/server/realtime/counted-deliveries.js';
import { parseArgs } from './lib/stats.mjs';

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
  const counted = countDeliveries(local, () => tally);
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
}
const r = (x) => Math.round(x * 1000) / 1000;
console.log(
  `in-app tally: ${opts.ops} ops; sent ${r(results.sent_us)} µs CPU/op; publish to a user ` +
    `${r(results.publish_bare_us)} µs bare, ${r(results.publish_counted_us)} µs counted ` +
    `(+${r(results.delivered_added_us)} µs); ${results.sums} sums to write; ${published} published`,
);
console.log(JSON.stringify({ bench: 'in-app-tally', ops: opts.ops, ...results }));
