/**
 * The time-series query: metrics per bucket and per group of dimension values. Counts are
 * read from the coarsest rollup whose buckets line up with the query's (no event outside the
 * range can be counted); active users (DAU/WAU/MAU) from the per-(tenant, user, day) activity
 * rows (activity.ts) unless grouped or filtered; distinct counts, and anything filtered or
 * grouped by a field rollups do not keep, scan raw events.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import {
  checkFilter,
  dimensionText,
  type FieldSource,
  fieldName,
  fieldValue,
  isOwnField,
  passesAll,
  type QueryFilter,
} from './fields.js';
import { leavesOf, type MetricDef, metricOf, typesOf, type Where } from './metrics.js';
import { type AnalyticsOptions, retentionCutoffs } from './options.js';
import {
  type ActivityRecord,
  type AnalyticsEventRecord,
  type AnalyticsRange,
  type AnalyticsStore,
  BUCKET_MS,
  type FunnelCounts,
  type FunnelQuery,
  occurrencesOf,
  type RollupGranularity,
  type ScanCursor,
} from './store.js';
import {
  bucketsOf,
  checkTimeZone,
  type QueryGranularity,
  resolveRange,
  type TimeRangeInput,
} from './time.js';

/** A query as the API takes it. */
export interface AnalyticsQuery {
  metrics: string[];
  dimensions?: string[];
  filters?: QueryFilter[];
  time_range: TimeRangeInput;
  /** Absent: one bucket for the whole range; `minute` over at most a day. */
  granularity?: QueryGranularity;
  timezone?: string;
  /** `timestamp` (the default) or one of the metrics. */
  order_by?: string;
  order_direction?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/**
 * One row of the answer. A ratio whose denominator is 0 in the row (no delivery sent that
 * day) has no value: null, not 0 (0% would read as every delivery failing).
 */
export interface DataPoint {
  timestamp: string;
  values: Record<string, number | null>;
  dimensions: Record<string, string>;
}

export interface QueryResult {
  data: DataPoint[];
  metadata: {
    query_ms: number;
    rows_scanned: number;
    source: 'raw' | 'rollup';
    cache_hit: boolean;
    granularity: QueryGranularity | null;
    timezone: string;
    time_range: { start: string; end: string };
  };
  total_count: number;
}

const DAY = 86_400_000;
const SCAN_PAGE = 10_000;
/** Activity records are small: larger pages, fewer round trips. */
const ACTIVITY_PAGE = 50_000;
const DEFAULT_LIMIT = 1000;
const ROLLUP_ORDER: RollupGranularity[] = ['day', 'hour', 'minute'];

/** What the engine needs besides the store. */
export interface QueryEngineOptions {
  /** Properties rollups are counted by. */
  rollupDimensions: readonly string[];
  /** Longest a raw scan may take (QUERY_TIMEOUT past it). */
  timeoutMs: number;
  /** How long rollups are kept: a rollup is read only for ranges it still holds whole. */
  retention: AnalyticsOptions['retention'];
}

/** Per group: the accumulated value of each leaf metric per bucket. */
interface Group {
  dims: Record<string, string>;
  counts: Map<string, number[]>;
  uniques: Map<string, Set<string>[]>;
  /** user → sorted timestamps, for active users. */
  activity: Map<string, number[]>;
  /** Active users counted so far, by metric and bucket index. */
  activeCounts: Map<string, number>;
}

export class QueryEngine {
  private readonly rollupFields: Set<string>;

  constructor(
    private readonly store: AnalyticsStore,
    private readonly clock: Clock,
    private readonly options: QueryEngineOptions,
  ) {
    this.rollupFields = new Set(['event_type', 'tenant_id', ...options.rollupDimensions]);
  }

  /** Runs a query in a tenant (null: across every tenant). */
  async run(tenant: string | null, q: AnalyticsQuery): Promise<QueryResult> {
    const started = performance.now();
    const tz = q.timezone ?? 'UTC';
    checkTimeZone(tz);
    const leaves = [...new Set(q.metrics.flatMap(leavesOf))];
    const defs = new Map(leaves.map((name) => [name, metricOf(name)]));
    if (q.order_by && q.order_by !== 'timestamp' && !q.metrics.includes(q.order_by)) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        'order_by must be timestamp or a metric asked for.',
        {
          field: 'order_by',
        },
      );
    }
    const g = q.granularity ?? null;
    const { from, to } = resolveRange(q.time_range, this.clock.now(), g, tz);
    const starts = g ? bucketsOf(from, to, g, tz) : [from];
    const filters = q.filters ?? [];
    for (const [i, f] of filters.entries()) checkFilter(f, `body.filters[${i}]`);
    const dimensions = q.dimensions ?? [];
    const tenantEq = filters.find((f) => f.field === 'tenant_id' && f.operator === 'eq');
    const scope = tenant ?? (typeof tenantEq?.value === 'string' ? tenantEq.value : null);
    const groups = new Map<string, Group>();
    const ctx = { starts, to, dimensions, filters, defs, groups };
    let scanned = 0;
    let raw = false;

    const counted = leaves.filter((n) => defs.get(n)!.kind === 'count');
    const rollup = this.rollupFor(from, to, starts, filters, dimensions, counted, defs);
    const range = (types: string[] | null, start = from): AnalyticsRange => ({
      tenant_id: scope,
      from: start,
      to,
      ...(types ? { event_types: types } : {}),
    });
    const rawLeaves = leaves.filter((n) => {
      const kind = defs.get(n)!.kind;
      return kind === 'unique' || (kind === 'count' && !rollup);
    });
    if (rollup && counted.length) {
      const rows = await this.store.rollups(rollup, range(typesOf(counted)));
      scanned += rows.length;
      for (const row of rows) {
        const e: FieldSource = {
          event_type: row.event_type,
          tenant_id: row.tenant_id,
          user_id: null,
          properties: JSON.parse(row.dims) as Record<string, unknown>,
        };
        add(ctx, e, row.bucket, counted, row.count);
      }
    }
    if (rawLeaves.length) {
      raw = true;
      scanned += await this.scan(range(typesOf(rawLeaves)), started, (e) =>
        add(ctx, e, e.timestamp, rawLeaves, occurrencesOf(e)),
      );
    }
    const active = leaves.filter((n) => defs.get(n)!.kind === 'active');
    if (active.length && this.activityRowsServe(scope, filters, dimensions, from, active, defs)) {
      // Counted from the per-(tenant, user, day) activity rows: no event read.
      const g = soleGroup(ctx);
      const ends = starts.map((_, i) => starts[i + 1] ?? to);
      for (const name of active) {
        const { days } = defs.get(name) as { days: number };
        const counts = await this.store.activeUsers(
          scope,
          ends.map((end) => ({ from: end - days * DAY, to: end })),
        );
        for (const [i, n] of counts.entries()) g.activeCounts.set(`${name}\0${i}`, n);
      }
    } else if (active.length) {
      raw = true;
      const days = Math.max(...active.map((n) => (defs.get(n) as { days: number }).days));
      const ends = starts.map((_, i) => starts[i + 1] ?? to);
      const span = range(null, Math.min(...ends) - days * DAY);
      // Active users need only who was active when: unless a filter or group reads a
      // property, activity records (no properties to read and parse) answer alike.
      const ownFields = [...filters.map((f) => f.field), ...dimensions].every(isOwnField);
      scanned += ownFields
        ? await this.scanActivity(span, started, (e) => track(ctx, e))
        : await this.scan(span, started, (e) => track(ctx, e));
    }

    let data = rows(ctx, q.metrics);
    const key = q.order_by && q.order_by !== 'timestamp' ? q.order_by : null;
    const dir = q.order_direction === 'desc' ? -1 : 1;
    if (key) data.sort((a, b) => byValue(a.values[key]!, b.values[key]!, dir));
    else if (dir === -1) data.reverse();
    const total = data.length;
    const offset = q.offset ?? 0;
    data = data.slice(offset, offset + (q.limit ?? DEFAULT_LIMIT));
    return {
      data,
      metadata: {
        query_ms: Math.round(performance.now() - started),
        rows_scanned: scanned,
        source: raw ? 'raw' : 'rollup',
        cache_hit: false,
        granularity: g,
        timezone: tz,
        time_range: { start: new Date(from).toISOString(), end: new Date(to).toISOString() },
      },
      total_count: total,
    };
  }

  /** A funnel over event types, answered by the store (AnalyticsStore.funnel). */
  funnel(q: FunnelQuery): Promise<FunnelCounts> {
    return this.store.funnel(q);
  }

  /** Visits raw events of a range; resolves to how many were read. */
  scan(
    range: AnalyticsRange,
    started: number,
    visit: (e: AnalyticsEventRecord) => void,
  ): Promise<number> {
    return this.pages(
      (after) => this.store.scan(range, SCAN_PAGE, after),
      SCAN_PAGE,
      started,
      visit,
    );
  }

  /** Visits the activity records of a range (events with a user); resolves to how many. */
  scanActivity(
    range: AnalyticsRange,
    started: number,
    visit: (e: ActivityRecord) => void,
  ): Promise<number> {
    const page = ACTIVITY_PAGE;
    return this.pages((after) => this.store.scanActivity(range, page, after), page, started, visit);
  }

  /**
   * Reads pages of `size` until a short one, each resuming after the last row of the one
   * before, visiting every row; past the query timeout (from `started`) it gives up.
   */
  private async pages<R extends ScanCursor>(
    read: (after: R | undefined) => Promise<R[]>,
    size: number,
    started: number,
    visit: (row: R) => void,
  ): Promise<number> {
    let n = 0;
    let after: R | undefined;
    for (;;) {
      const page = await read(after);
      for (const row of page) visit(row);
      n += page.length;
      if (page.length < size) return n;
      after = page[page.length - 1];
      if (performance.now() - started > this.options.timeoutMs) {
        throw new NotifydError('QUERY_TIMEOUT', undefined, { rows_scanned: n });
      }
    }
  }

  /**
   * Whether active users can be counted from activity rows, with the answer a scan would
   * give: no group, no filter but the query's own tenant, and every window starting where
   * raw events are still kept (before it, events and rows are purged at different times).
   */
  private activityRowsServe(
    scope: string | null,
    filters: readonly QueryFilter[],
    dimensions: readonly string[],
    from: number,
    active: readonly string[],
    defs: Map<string, MetricDef>,
  ): boolean {
    if (dimensions.length > 0) return false;
    const ownTenant = (f: QueryFilter) =>
      scope !== null && f.field === 'tenant_id' && f.operator === 'eq' && f.value === scope;
    if (!filters.every(ownTenant)) return false;
    const days = Math.max(...active.map((n) => (defs.get(n) as { days: number }).days));
    const kept = retentionCutoffs(this.options.retention, this.clock.now()).raw;
    // The earliest window ends where the first bucket does, at or after `from`.
    return from - days * DAY >= kept;
  }

  /**
   * The coarsest rollup that can answer the counts exactly: every field filtered or grouped
   * by is kept in rollups, and the range and every bucket edge fall on its bucket edges.
   */
  private rollupFor(
    from: number,
    to: number,
    starts: number[],
    filters: readonly QueryFilter[],
    dimensions: readonly string[],
    counted: readonly string[],
    defs: Map<string, MetricDef>,
  ): RollupGranularity | null {
    const fields = [
      ...filters.map((f) => fieldName(f.field)),
      ...dimensions.map(fieldName),
      ...counted.flatMap((n) => Object.keys((defs.get(n) as { where?: Where }).where ?? {})),
    ];
    if (!fields.every((f) => this.rollupFields.has(f))) return null;
    const edges = [from, to, ...starts.slice(1)];
    // Buckets past retention are purged and no longer written: such a range reads raw.
    const kept = retentionCutoffs(this.options.retention, this.clock.now());
    return (
      ROLLUP_ORDER.find((r) => from >= kept[r] && edges.every((e) => e % BUCKET_MS[r] === 0)) ??
      null
    );
  }
}

/** What an activity record's properties read as: none (only own fields are asked of it). */
const NO_PROPERTIES: Record<string, unknown> = Object.freeze({});

interface Ctx {
  starts: number[];
  to: number;
  dimensions: readonly string[];
  filters: readonly QueryFilter[];
  defs: Map<string, MetricDef>;
  groups: Map<string, Group>;
}

/** The index of the bucket holding `ts`, or -1 outside the range. */
function bucketIndex(starts: number[], to: number, ts: number): number {
  if (ts >= to || ts < starts[0]!) return -1;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= ts) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const newGroup = (dims: Record<string, string>): Group => ({
  dims,
  counts: new Map(),
  uniques: new Map(),
  activity: new Map(),
  activeCounts: new Map(),
});

/** The group an event belongs to, made on first sight. */
function groupOf(ctx: Ctx, e: FieldSource): Group {
  if (ctx.dimensions.length === 0) return soleGroup(ctx);
  const dims: Record<string, string> = {};
  for (const d of ctx.dimensions) dims[d] = dimensionText(fieldValue(e, d));
  const key = JSON.stringify(ctx.dimensions.map((d) => dims[d]));
  let g = ctx.groups.get(key);
  if (!g) {
    g = newGroup(dims);
    ctx.groups.set(key, g);
  }
  return g;
}

/** The one group of a query without dimensions: no key to build per event. */
function soleGroup(ctx: Ctx): Group {
  let g = ctx.groups.get('[]');
  if (!g) {
    g = newGroup({});
    ctx.groups.set('[]', g);
  }
  return g;
}

function matchesWhere(e: FieldSource, where: Where | undefined): boolean {
  if (!where) return true;
  for (const [prop, want] of Object.entries(where)) {
    const v = e.properties[prop];
    if (Array.isArray(want) ? !want.includes(String(v)) : String(v) !== want) return false;
  }
  return true;
}

/** Adds an event (or a rollup row of `n` events) to the leaf metrics it counts for. */
function add(ctx: Ctx, e: FieldSource, at: number, leaves: readonly string[], n: number): void {
  const i = bucketIndex(ctx.starts, ctx.to, at);
  if (i < 0 || !passesAll(e, ctx.filters)) return;
  const g = groupOf(ctx, e);
  for (const name of leaves) {
    const def = ctx.defs.get(name)!;
    if (def.kind !== 'count' && def.kind !== 'unique') continue;
    if (def.types && !def.types.includes(e.event_type)) continue;
    if (!matchesWhere(e, def.where)) continue;
    if (def.kind === 'count') {
      let c = g.counts.get(name);
      if (!c) {
        c = new Array<number>(ctx.starts.length).fill(0);
        g.counts.set(name, c);
      }
      c[i]! += n;
    } else {
      const v = fieldValue(e, def.field);
      if (v === undefined || v === null) continue;
      let u = g.uniques.get(name);
      if (!u) {
        u = ctx.starts.map(() => new Set<string>());
        g.uniques.set(name, u);
      }
      u[i]!.add(String(v));
    }
  }
}

/** Notes when a user was active, for active-user metrics. */
function track(ctx: Ctx, e: AnalyticsEventRecord | ActivityRecord): void {
  if (e.user_id === null) return;
  let g: Group;
  if (ctx.filters.length === 0 && ctx.dimensions.length === 0) g = soleGroup(ctx);
  else {
    const source: FieldSource = 'properties' in e ? e : { ...e, properties: NO_PROPERTIES };
    if (!passesAll(source, ctx.filters)) return;
    g = groupOf(ctx, source);
  }
  const times = g.activity.get(e.user_id);
  if (times) times.push(e.timestamp);
  else g.activity.set(e.user_id, [e.timestamp]);
}

/** Users of a group active in `[end - days, end)`. */
function activeUsers(g: Group, end: number, days: number): number {
  const start = end - days * DAY;
  let n = 0;
  for (const times of g.activity.values()) {
    // Scans see events in time order, so each list is sorted.
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    if (lo < times.length && times[lo]! < end) n++;
  }
  return n;
}

/** Rows by a metric's value, in `dir` (1 up, -1 down); rows without one last either way. */
function byValue(a: number | null, b: number | null, dir: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return dir * (a - b);
}

/**
 * A leaf or ratio metric's value for a group and bucket; null for a ratio over nothing (its
 * denominator is 0 or itself has no value).
 */
function metricValue(ctx: Ctx, g: Group, name: string, i: number): number | null {
  const def = ctx.defs.get(name) ?? metricOf(name);
  if (def.kind === 'count') return g.counts.get(name)?.[i] ?? 0;
  if (def.kind === 'unique') return g.uniques.get(name)?.[i]?.size ?? 0;
  if (def.kind === 'active') {
    // Ratios (dau_mau_ratio) ask again for what their parts have counted: count once.
    const key = `${name}\0${i}`;
    let n = g.activeCounts.get(key);
    if (n === undefined) {
      n = activeUsers(g, ctx.starts[i + 1] ?? ctx.to, def.days);
      g.activeCounts.set(key, n);
    }
    return n;
  }
  const den = metricValue(ctx, g, def.den, i);
  const num = metricValue(ctx, g, def.num, i);
  if (den === null || den === 0 || num === null) return null;
  return Math.round((num / den) * 10_000) / 10_000;
}

/** Every group's row per bucket, groups in order of their dimension values. */
function rows(ctx: Ctx, metrics: readonly string[]): DataPoint[] {
  if (ctx.groups.size === 0 && ctx.dimensions.length === 0) {
    ctx.groups.set('[]', newGroup({}));
  }
  const keys = [...ctx.groups.keys()].sort();
  const out: DataPoint[] = [];
  for (let i = 0; i < ctx.starts.length; i++) {
    for (const key of keys) {
      const g = ctx.groups.get(key)!;
      const values: Record<string, number | null> = {};
      for (const m of metrics) values[m] = metricValue(ctx, g, m, i);
      out.push({ timestamp: new Date(ctx.starts[i]!).toISOString(), values, dimensions: g.dims });
    }
  }
  return out;
}
