/**
 * Live analytics over the WebSocket: a session that may read analytics subscribes to
 * `metrics:<metric>` and is sent the metric's value over a trailing window every `interval`
 * seconds. Sessions asking for the same (tenant, metric, interval, window, dimensions)
 * share one stream: the value is queried and encoded once per interval for all of them.
 */
import type { Analytics } from '../../analytics/analytics.js';
import type { QueryResult } from '../../analytics/query.js';
import type { MetricStreamOptions, MetricValue } from '../../client/types.js';
import type { Clock } from '../../core/clock.js';
import { NotifydError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

/** Channels under this prefix are metric streams, not named channels. */
export const METRICS_PREFIX = 'metrics:';
/** The scope a session's token needs to subscribe to a metric stream. */
export const METRICS_SCOPE = 'analytics:read';
/** Bounds and defaults of `interval` (seconds between values). */
export const METRIC_INTERVAL = { min: 5, max: 3600, default: 10 } as const;
/** Bounds and default of `window` (seconds the value covers, ending now). */
export const METRIC_WINDOW = { min: 60, max: 86_400, default: 300 } as const;

/** What a subscribe frame may ask of a metric stream: the client's `subscribeMetric` options. */
export type MetricStreamRequest = MetricStreamOptions;

/** One value of a stream as the `metric` frame's `data` carries it: the client's `MetricValue`. */
export type MetricSample = MetricValue;

/** A session's end of a stream: its id and how a frame reaches it. */
export interface MetricSubscriber {
  id: string;
  send(frame: string): void;
}

interface Stream {
  tenant: string;
  metric: string;
  channel: string;
  interval: number;
  window: number;
  dimensions: string[];
  nextAt: number;
  subscribers: Map<string, MetricSubscriber>;
  running: boolean;
}

export interface MetricStreamsOptions {
  /** The analytics module's services; null when analytics is disabled. */
  analytics: Analytics | null;
  clock: Clock;
  logger: Logger;
  /** How often (real ms) due streams are looked for; the clock decides which are due. */
  pollMs?: number;
}

const bounded = (
  value: number | undefined,
  b: { min: number; max: number; default: number },
  field: string,
): number => {
  const v = value ?? b.default;
  if (!Number.isInteger(v) || v < b.min || v > b.max) {
    throw new NotifydError(
      'VALIDATION_ERROR',
      `${field} must be a whole number of seconds from ${b.min} to ${b.max}.`,
      { field, minimum: b.min, maximum: b.max },
    );
  }
  return v;
};

/**
 * Every metric stream of this node. One poll timer runs while any stream exists; each
 * stream is due `interval` seconds (by the injected clock) after its last value.
 */
export class MetricStreams {
  private readonly streams = new Map<string, Stream>();
  /** Per subscriber: channel → the key of the stream it gets that channel from. */
  private readonly bySubscriber = new Map<string, Map<string, string>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: MetricStreamsOptions) {}

  /** Where values come from: the analytics module's services, once built (null: disabled). */
  useAnalytics(analytics: Analytics | null): void {
    this.opts.analytics = analytics;
  }

  /** Streams running now (each computes once per interval, whatever its subscribers). */
  get size(): number {
    return this.streams.size;
  }

  /** Whether the poll timer runs (only while some stream does). */
  get polling(): boolean {
    return this.timer !== null;
  }

  /**
   * Joins `subscriber` to the stream of `channel` in `tenant` (starting it when new), after
   * checking the request and computing a first value, which is returned (and not sent).
   */
  async add(
    tenant: string,
    channel: string,
    request: MetricStreamRequest,
    subscriber: MetricSubscriber,
  ): Promise<MetricSample> {
    if (!this.opts.analytics) {
      throw new NotifydError('ANALYTICS_DISABLED', undefined, { channel });
    }
    const metric = channel.slice(METRICS_PREFIX.length);
    const interval = bounded(request.interval, METRIC_INTERVAL, 'interval');
    const window = bounded(request.window, METRIC_WINDOW, 'window');
    const dimensions = [...new Set(request.dimensions ?? [])].sort();
    const key = JSON.stringify([tenant, metric, interval, window, dimensions]);
    let stream = this.streams.get(key);
    const fresh: Stream = stream ?? {
      tenant,
      metric,
      channel,
      interval,
      window,
      dimensions,
      nextAt: 0,
      subscribers: new Map(),
      running: false,
    };
    // Also checks the metric and dimensions: an unknown one fails here, before joining.
    const sample = await this.sample(fresh);
    stream = this.streams.get(key);
    if (!stream) {
      stream = fresh;
      stream.nextAt = this.opts.clock.now() + interval * 1000;
      this.streams.set(key, stream);
    }
    this.remove(subscriber.id, channel);
    stream.subscribers.set(subscriber.id, subscriber);
    const mine = this.bySubscriber.get(subscriber.id) ?? new Map<string, string>();
    mine.set(channel, key);
    this.bySubscriber.set(subscriber.id, mine);
    this.poll();
    return sample;
  }

  /** Leaves `channel`'s stream, or every stream when no channel is named (a closed session). */
  remove(subscriberId: string, channel?: string): void {
    const mine = this.bySubscriber.get(subscriberId);
    if (!mine) return;
    for (const [ch, key] of [...mine]) {
      if (channel !== undefined && ch !== channel) continue;
      mine.delete(ch);
      const stream = this.streams.get(key);
      if (!stream) continue;
      stream.subscribers.delete(subscriberId);
      if (stream.subscribers.size === 0) this.streams.delete(key);
    }
    if (mine.size === 0) this.bySubscriber.delete(subscriberId);
    if (this.streams.size === 0) this.stop();
  }

  /** Sends a value on every stream that is due by the clock; the poll timer calls it. */
  async tick(): Promise<void> {
    const now = this.opts.clock.now();
    const due = [...this.streams.values()].filter((s) => !s.running && s.nextAt <= now);
    await Promise.all(due.map((s) => this.emit(s, now)));
  }

  /** Stops the poll timer and forgets every stream (the server is stopping). */
  clear(): void {
    this.streams.clear();
    this.bySubscriber.clear();
    this.stop();
  }

  private async emit(stream: Stream, now: number): Promise<void> {
    // Due again one interval on; a clock that jumped several intervals gets one value.
    stream.nextAt = Math.max(stream.nextAt + stream.interval * 1000, now + 1);
    stream.running = true;
    try {
      const sample = await this.sample(stream);
      const frame = JSON.stringify({ type: 'metric', data: sample });
      for (const s of stream.subscribers.values()) s.send(frame);
    } catch (err) {
      this.opts.logger.warn({ err, metric: stream.metric }, 'metric stream query failed');
    } finally {
      stream.running = false;
    }
  }

  /** The stream's value now, over its trailing window, through the analytics query. */
  private async sample(stream: Stream): Promise<MetricSample> {
    const end = this.opts.clock.now();
    const start = end - stream.window * 1000;
    const range = { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    const principal = {
      kind: 'service' as const,
      key_id: 'realtime',
      scopes: [METRICS_SCOPE],
      tenant_id: stream.tenant,
      tenant_bound: true,
    };
    const result = await this.opts.analytics!.query(principal, {
      metrics: [stream.metric],
      time_range: range,
      ...(stream.dimensions.length ? { dimensions: stream.dimensions } : {}),
    });
    const base = {
      channel: stream.channel,
      metric: stream.metric,
      window: { ...range, seconds: stream.window },
      interval: stream.interval,
    };
    if (stream.dimensions.length) return { ...base, groups: groupsOf(result, stream.metric) };
    const value = result.data[0]?.values[stream.metric];
    return { ...base, value: value === undefined ? 0 : value };
  }

  private poll(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function groupsOf(result: QueryResult, metric: string): MetricSample['groups'] {
  return result.data.map((row) => ({
    dimensions: row.dimensions,
    value: row.values[metric] ?? null,
  }));
}
