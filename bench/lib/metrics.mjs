// The daemon's own view of a run, from its Prometheus endpoint: time spent inside the
// request handler, event-loop stalls and GC. Comparing it with what the generator saw
// tells whether latency is lost inside the daemon or outside it (queues, scheduling).

const ROUTE = 'route="/api/v1/notifications"';

/** One scrape of GET /metrics as sample name+labels → value. */
export async function scrape(baseUrl) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const ms = (seconds) => Math.round(seconds * 100000) / 100;

/** Smallest histogram bucket holding `q` of the observations made between two scrapes. */
function bucketQuantile(before, after, q) {
  const buckets = [];
  for (const [key, value] of after) {
    if (!key.startsWith('notifyd_http_request_duration_seconds_bucket') || !key.includes(ROUTE)) {
      continue;
    }
    if (!key.includes('method="POST"')) continue;
    const le = key.match(/le="([^"]+)"/)[1];
    buckets.push([Number(le), value - (before.get(key) ?? 0)]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  const hit = buckets.find(([, count]) => count >= q * total);
  return hit && total > 0 ? hit[0] : Number.NaN;
}

function sumDelta(before, after, prefix) {
  let sum = 0;
  for (const [key, value] of after) {
    if (key.startsWith(prefix)) sum += value - (before.get(key) ?? 0);
  }
  return sum;
}

/**
 * What the daemon measured between two scrapes. The event-loop figures come from
 * prom-client's monitor, which samples every 10 ms and is reset by each scrape, so they
 * cover this window and include up to 10 ms of sampling delay.
 */
export function daemonView(before, after) {
  const accepted = sumDelta(before, after, 'notifyd_notifications_accepted_total');
  const p50 = bucketQuantile(before, after, 0.5);
  const p99 = bucketQuantile(before, after, 0.99);
  return {
    accepted,
    handler_p50_le_ms: ms(p50),
    handler_p99_le_ms: ms(p99),
    eventloop_delay_p99_ms: ms(after.get('notifyd_nodejs_eventloop_lag_p99_seconds') ?? Number.NaN),
    eventloop_delay_max_ms: ms(after.get('notifyd_nodejs_eventloop_lag_max_seconds') ?? Number.NaN),
    gc_count: sumDelta(before, after, 'notifyd_nodejs_gc_duration_seconds_count'),
    gc_ms: ms(sumDelta(before, after, 'notifyd_nodejs_gc_duration_seconds_sum')),
  };
}
