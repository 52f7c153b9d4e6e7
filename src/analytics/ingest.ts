/**
 * Turning tracked events into stored records: bounds (timestamp skew and backfill, the
 * size of properties), the event type's schema, the tenant, and the rollup dimensions.
 * Events sent to the API are written before the answer (a 202 is durable); notifyd's own
 * events go through a bounded buffer written in batches, dropped and counted when full, so
 * recording never slows the work it records.
 */
import type { Clock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { checkProperties, type EventTypes, type SchemaLookup } from './event-types.js';
import { type AnalyticsOptions, retentionCutoffs } from './options.js';
import type { TrackEventBody } from './schemas.js';
import {
  type AnalyticsEventRecord,
  type AnalyticsStore,
  NOTIFYD_EVENT_ID,
  type RollupCutoffs,
} from './store.js';
import { Tally } from './tally.js';

/** Events written per store call. */
export const WRITE_BATCH = 1000;
/**
 * Buffered events written per store call by a flush, which lets the event loop turn between
 * two: on SQLite a write holds the loop, and a second's events written at once (5,000 at
 * 5,000 sends/s, with their rollups and activity rows) held it for 100 ms and more.
 */
export const FLUSH_BATCH = 250;
/** Longest text of one rollup dimension value. */
const MAX_DIM_TEXT = 100;

/** Counters the ingestor reports to. */
export interface IngestCounters {
  recorded(source: 'api' | 'internal', n: number): void;
  dropped(n: number): void;
}

/** The rollup dimensions of properties, as canonical JSON (keys sorted). */
export function dimsOf(properties: Record<string, unknown>, dimensions: readonly string[]): string {
  return sortedDimsOf(properties, [...dimensions].sort());
}

/** `dimsOf` with the dimensions sorted already (once, not per event). */
function sortedDimsOf(properties: Record<string, unknown>, sorted: readonly string[]): string {
  const out: Record<string, string | number | boolean> = {};
  for (const d of sorted) {
    const v = properties[d];
    if (typeof v === 'string') out[d] = v.slice(0, MAX_DIM_TEXT);
    else if (typeof v === 'number' || typeof v === 'boolean') out[d] = v;
  }
  return JSON.stringify(out);
}

export class Ingestor {
  private buffer: AnalyticsEventRecord[] = [];
  private flushing: Promise<void> | null = null;
  private readonly dimensions: readonly string[];
  /** In-app sends and deliveries counted in process, written as events at each flush. */
  readonly tally: Tally;

  constructor(
    private readonly deps: {
      store: AnalyticsStore;
      clock: Clock;
      ids: IdGenerator;
      types: EventTypes;
      options: AnalyticsOptions;
      counters: IngestCounters;
      logger: Logger;
    },
  ) {
    this.dimensions = [...deps.options.rollup_dimensions].sort();
    this.tally = new Tally(deps.clock);
  }

  /** The event types' schemas now, for `check` (one store read per batch at most). */
  schemas(): Promise<SchemaLookup> {
    return this.deps.types.lookup();
  }

  /**
   * Checks one event sent to the API and makes its record. `tenant` is where it goes;
   * `where` names it in errors (`body`, `body.events[3]`).
   */
  async build(input: TrackEventBody, tenant: string, where: string): Promise<AnalyticsEventRecord> {
    return this.check(input, tenant, where, await this.schemas());
  }

  /** `build` with the schemas at hand: synchronous, for each event of a batch. */
  check(
    input: TrackEventBody,
    tenant: string,
    where: string,
    schemas: SchemaLookup,
  ): AnalyticsEventRecord {
    const { clock, options } = this.deps;
    const now = clock.now();
    const properties = input.properties ?? {};
    const size = Buffer.byteLength(JSON.stringify(properties));
    if (size > options.max_properties_bytes) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        `${where}.properties is ${size} bytes; at most ${options.max_properties_bytes} (analytics.max_properties_bytes).`,
        { field: `${where}.properties` },
      );
    }
    if (input.event_id?.startsWith(NOTIFYD_EVENT_ID)) {
      throw new NotifydError(
        'VALIDATION_ERROR',
        `${where}.event_id may not start with "${NOTIFYD_EVENT_ID}": those are the ids of notifyd's own events.`,
        { field: `${where}.event_id` },
      );
    }
    let timestamp = now;
    if (input.timestamp !== undefined) {
      timestamp = Date.parse(input.timestamp);
      const field = `${where}.timestamp`;
      if (timestamp > now + options.max_future_skew_ms) {
        throw new NotifydError(
          'VALIDATION_ERROR',
          `${field} is more than analytics.max_future_skew_ms (${options.max_future_skew_ms} ms) ahead.`,
          { field },
        );
      }
      if (timestamp < now - options.max_backfill_ms) {
        throw new NotifydError(
          'VALIDATION_ERROR',
          `${field} is further back than analytics.max_backfill_ms (${options.max_backfill_ms} ms).`,
          { field },
        );
      }
    }
    const schema = schemas(tenant, input.event_type);
    if (schema) checkProperties(schema, properties, where);
    return this.record(input.event_type, tenant, input.user_id ?? null, properties, timestamp, {
      eventId: input.event_id ?? null,
    });
  }

  /** A record for an event of `type`. */
  record(
    type: string,
    tenant: string,
    userId: string | null,
    properties: Record<string, unknown>,
    timestamp: number,
    opts: { eventId?: string | null } = {},
  ): AnalyticsEventRecord {
    return {
      id: this.deps.ids('aev'),
      tenant_id: tenant,
      event_type: type,
      user_id: userId,
      event_id: opts.eventId ?? null,
      properties,
      timestamp,
      dims: sortedDimsOf(properties, this.dimensions),
    };
  }

  /** Writes events now (the API's path); resolves to whether each was new. */
  async write(records: readonly AnalyticsEventRecord[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < records.length; i += WRITE_BATCH) {
      out.push(
        ...(await this.deps.store.append(records.slice(i, i + WRITE_BATCH), this.rollupsFrom())),
      );
    }
    this.deps.counters.recorded('api', out.filter(Boolean).length);
    return out;
  }

  /** Queues one of notifyd's own events; dropped (and counted) when the buffer is full. */
  enqueue(record: AnalyticsEventRecord): void {
    if (this.buffer.length >= this.deps.options.buffer_size) {
      this.deps.counters.dropped(1);
      if (this.droppedSinceLog++ === 0) {
        this.deps.logger.warn(
          { buffer_size: this.deps.options.buffer_size },
          'analytics: event buffer full; dropping notifyd events until it drains',
        );
      }
      return;
    }
    this.buffer.push(record);
  }

  private droppedSinceLog = 0;

  /**
   * Writes the tally's sums and the buffered events in batches; a failed batch is logged and
   * dropped.
   */
  flush(): Promise<void> {
    for (const t of this.tally.drain()) {
      this.enqueue(this.record(t.type, t.tenant_id, null, t.properties, t.timestamp));
    }
    // The run starts a tick later, so it always ends after this assignment: run at once, an
    // empty buffer ended it (clearing `flushing`) first, and the settled promise then stood
    // for every later flush, which wrote nothing again.
    this.flushing ??= Promise.resolve().then(async () => {
      try {
        while (this.buffer.length > 0) {
          const batch = this.buffer.splice(0, FLUSH_BATCH);
          try {
            await this.deps.store.append(batch, this.rollupsFrom());
            this.deps.counters.recorded('internal', batch.length);
          } catch (err) {
            this.deps.counters.dropped(batch.length);
            this.deps.logger.warn(
              { err, events: batch.length },
              'analytics: could not write events',
            );
            return;
          }
          if (this.buffer.length > 0) await new Promise<void>((turn) => setImmediate(turn));
        }
        this.droppedSinceLog = 0;
      } finally {
        this.flushing = null;
      }
    });
    return this.flushing;
  }

  /** Rollup buckets worth writing: not those the retention purge would drop. */
  private rollupsFrom(): RollupCutoffs {
    return retentionCutoffs(this.deps.options.retention, this.deps.clock.now());
  }

  /** Buffered events not yet written. */
  get pending(): number {
    return this.buffer.length;
  }
}
