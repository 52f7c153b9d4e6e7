// The idle daemon's resident memory: started on a store, left idle, then measured.
// Usage: node bench/idle-rss.mjs [--store sqlite] [--runs 5] [--settle 4]
// Each run starts a fresh daemon (fresh database), waits --settle seconds for its startup
// garbage to go, reads VmRSS and RssAnon from /proc, and stops it. Prints one JSON line
// with every run and the median.

import { startDaemon } from './lib/daemon.mjs';
import { mib, rssOf } from './lib/memory.mjs';
import { parseArgs } from './lib/stats.mjs';

const opts = parseArgs(process.argv.slice(2), { store: 'sqlite', runs: 5, settle: 4 });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const runs = [];
for (let i = 0; i < opts.runs; i++) {
  const daemon = await startDaemon({ store: opts.store });
  try {
    await sleep(opts.settle * 1000);
    const { rss, anon } = rssOf(daemon.pid);
    runs.push({ rss_mib: mib(rss), anon_mib: mib(anon) });
  } finally {
    await daemon.stop();
  }
}
console.log(
  JSON.stringify({
    bench: 'idle-rss',
    store: opts.store,
    runs,
    median_rss_mib: median(runs.map((r) => r.rss_mib)),
    median_anon_mib: median(runs.map((r) => r.anon_mib)),
  }),
);
