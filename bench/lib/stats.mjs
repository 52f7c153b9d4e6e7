import { cpus, loadavg } from 'node:os';

/** Nearest-rank percentile of an ascending array; `p` in 0..100. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/p99.9/max/mean of a list of samples, rounded to 0.01. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (x) => Math.round(x * 100) / 100;
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
    max: round(sorted.length ? sorted[sorted.length - 1] : Number.NaN),
    mean: round(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

/** `--name value` flags with defaults; numbers stay numbers. */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !(name in defaults)) {
      throw new Error(`unknown argument ${argv[i]}; known: ${Object.keys(defaults).join(', ')}`);
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    out[name] = typeof defaults[name] === 'number' ? Number(value) : value;
    if (Number.isNaN(out[name])) throw new Error(`--${name} must be a number`);
  }
  return out;
}

/** The machine a figure was taken on: cores, CPU model, Node, load average now. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    node: process.version,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
