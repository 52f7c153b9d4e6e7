/**
 * The workflow `digest` step. The first run of a workflow that reaches the step for a
 * recipient (and digest key value) opens a window: a `workflow_digest` document whose key
 * names the workflow, the step, the recipient and the key value. Runs that reach the step
 * while that window is open add their payload to it and end `digested`; when the window
 * closes (the opener's durable job at its end) the opener goes on with the events collected.
 *
 * One continuation per window, on every backend and across nodes, with no lock in memory:
 * - a window is opened by creating its key, which is unique per kind and tenant, so two
 *   openers cannot both hold it (the loser joins the winner's window);
 * - a run joins by a write at the version it read, so concurrent joins all land, one by one;
 * - the opener closes it by a write at the version read that also gives the key up, so an
 *   event is either in the window when it closes, or finds no open window and opens the next;
 * - a window whose time passed before its opener's job closed it has its key given up by the
 *   first run that finds it (which then opens the next); its opener still closes it by id.
 * The window's id is made from the opener's run and step, so a step re-run after a crash
 * finds the window it opened. A run about to join a window first records its id on itself,
 * and the window keeps the id of every run that joined it: a step re-run after a crash between
 * the join and the run's own write (the window since closed, or its payload past the latest
 * MAX_EVENTS) finds that it joined, and is not counted again in that window or the next.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { StoreConflictError } from '../store/errors.js';
import type { ObjectStore, StoredObject } from '../store/types.js';
import type { DigestStep } from './schemas.js';
import { durationMs } from './steps.js';

export const WINDOW_KIND = 'workflow_digest';

/** The payloads a window keeps one by one (the latest); the rest are only counted. */
export const MAX_EVENTS = 100;

/** Tries of an optimistic write before giving up (only under heavy contention). */
const TRIES = 100;

/** One trigger collected by a window. */
export interface DigestEvent {
  run_id: string;
  at: number;
  payload: Record<string, unknown>;
}

interface WindowData {
  workflow_id: string;
  step: number;
  recipient_id: string;
  /** The digest key's value ('' when the step has no key or the payload lacks it). */
  key: string;
  /** The run that opened it and goes on when it closes. */
  run_id: string;
  status: 'open' | 'closed' | 'cancelled';
  opened_at: number;
  closes_at: number;
  count: number;
  /** Latest first, at most MAX_EVENTS. */
  events: DigestEvent[];
  /** Every run that joined (not the opener), however many; absent on windows stored before. */
  members?: string[];
}

/** The window a run opened, as the run keeps it. */
export interface RunDigest {
  step: number;
  window_id: string;
  key: string;
  status: 'collecting' | 'closed';
  opened_at: number;
  closes_at: number;
  count: number;
  events: DigestEvent[];
}

/** A run at a digest step: the one that opened the window, or one digested into it. */
export type Entered = { opened: RunDigest } | { digested_into: string };

/** The run a digest step is entered by. */
export interface DigestingRun {
  id: string;
  tenant_id: string | null;
  data: {
    workflow_id: string;
    recipient_id: string;
    payload: Record<string, unknown>;
    joining?: Joining | null;
  };
}

/** The window a run at a digest step was about to join (recorded on the run before the join). */
export interface Joining {
  step: number;
  window_id: string;
}

/** Records on the run, before it joins, the window it joins (throws when the run changed). */
export type MarkJoining = (joining: Joining) => Promise<void>;

/** Whether the run joined the window (the events hold only the latest). */
const joined = (w: WindowData, run: string) =>
  (w.members ?? []).includes(run) || w.events.some((e) => e.run_id === run);

/** The value of `payload.<path>` a window is keyed by ('' when absent). */
export function keyValue(field: string | undefined, payload: Record<string, unknown>): string {
  if (!field) return '';
  let v: unknown = payload;
  for (const part of field.split('.').slice(1)) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<string, unknown>)[part];
  }
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The key a window holds while open. Long values are hashed to keep keys short. */
function slotKey(workflow: string, step: number, recipient: string, value: string): string {
  const v =
    value.length > 128 ? `sha256:${createHash('sha256').update(value).digest('hex')}` : value;
  return `${workflow}:${step}:${recipient}:${v}`;
}

const windowId = (run: string, step: number) => `wfd_${run.replace(/^wfr_/, '')}_${step}`;

const dataOf = (o: StoredObject) => o.data as unknown as WindowData;

function asRunDigest(id: string, w: WindowData, status: RunDigest['status']): RunDigest {
  const { step, key, opened_at, closes_at, count, events } = w;
  return { step, window_id: id, key, status, opened_at, closes_at, count, events };
}

/**
 * What a later step's template sees as `digest` (named as the digests module names a
 * digest's: `count`, `more`, `window_end`; `events` are the payloads, latest first).
 */
export function digestVariables(d: RunDigest): Record<string, unknown> {
  return {
    count: d.count,
    more: Math.max(0, d.count - d.events.length),
    key: d.key,
    window_start: new Date(d.opened_at).toISOString(),
    window_end: new Date(d.closes_at).toISOString(),
    events: d.events.map((e) => e.payload),
  };
}

export class DigestWindows {
  constructor(private readonly deps: { objects: ObjectStore; clock: Clock }) {}

  /**
   * Opens the step's window for the run, or adds the run's payload to the open one (after
   * `mark` recorded on the run which one).
   */
  async enter(
    run: DigestingRun,
    step: number,
    spec: DigestStep,
    mark: MarkJoining,
  ): Promise<Entered> {
    const { objects, clock } = this.deps;
    const tenant = run.tenant_id as string;
    const mine = windowId(run.id, step);
    const own = await objects.get(WINDOW_KIND, mine);
    if (own) return { opened: asRunDigest(mine, dataOf(own), 'collecting') };
    let marked = run.data.joining?.step === step ? run.data.joining.window_id : null;
    if (marked) {
      // A re-run: the window this run was joining may have closed since, with the run in it.
      const before = await objects.get(WINDOW_KIND, marked);
      if (before && joined(dataOf(before), run.id)) return { digested_into: dataOf(before).run_id };
    }
    const { workflow_id, recipient_id, payload } = run.data;
    const key = keyValue(spec.key, payload);
    const slot = slotKey(workflow_id, step, recipient_id, key);
    for (let i = 0; i < TRIES; i++) {
      const now = clock.now();
      const event: DigestEvent = { run_id: run.id, at: now, payload };
      const found = await objects.getByKey(WINDOW_KIND, tenant, slot);
      if (!found) {
        const data: WindowData = {
          ...{ workflow_id, step, recipient_id, key, run_id: run.id, status: 'open' },
          ...{ opened_at: now, closes_at: now + (durationMs(spec.window) ?? 0), count: 1 },
          events: [event],
        };
        try {
          await objects.create({
            kind: WINDOW_KIND,
            id: mine,
            tenant_id: tenant,
            key: slot,
            data: data as unknown as Record<string, unknown>,
            created_at: now,
          });
          return { opened: asRunDigest(mine, data, 'collecting') };
        } catch (err) {
          if (err instanceof StoreConflictError) continue; // another run opened it first
          throw err;
        }
      }
      if (found.id === mine) return { opened: asRunDigest(mine, dataOf(found), 'collecting') };
      const w = dataOf(found);
      if (w.status === 'open' && now < w.closes_at) {
        if (joined(w, run.id)) return { digested_into: w.run_id };
        if (marked !== found.id) {
          await mark({ step, window_id: found.id });
          marked = found.id;
        }
        const next: WindowData = {
          ...w,
          count: w.count + 1,
          events: [event, ...w.events].slice(0, MAX_EVENTS),
          members: [...(w.members ?? []), run.id],
        };
        const out = await objects.update(
          WINDOW_KIND,
          found.id,
          { data: next as unknown as Record<string, unknown>, key: slot },
          found.version,
          now,
        );
        if (out.status === 'ok') return { digested_into: w.run_id };
        continue;
      }
      // Its time passed (its opener has yet to close it): give its key up, open the next.
      await objects.update(
        WINDOW_KIND,
        found.id,
        { data: found.data, key: null },
        found.version,
        now,
      );
    }
    throw new Error(`the digest window ${slot} kept changing under ${TRIES} tries`);
  }

  /** How many triggers the run's window holds now. */
  async count(d: RunDigest): Promise<number> {
    const found = await this.deps.objects.get(WINDOW_KIND, d.window_id);
    return found ? dataOf(found).count : d.count;
  }

  /** Closes the run's window (once): what it collected. */
  close(d: RunDigest): Promise<RunDigest> {
    return this.end(d, 'closed');
  }

  /** Ends the window of a cancelled run, so that the next trigger opens a new one. */
  async cancel(d: RunDigest): Promise<void> {
    await this.end(d, 'cancelled');
  }

  private async end(d: RunDigest, status: 'closed' | 'cancelled'): Promise<RunDigest> {
    const { objects, clock } = this.deps;
    for (let i = 0; i < TRIES; i++) {
      const found = await objects.get(WINDOW_KIND, d.window_id);
      if (!found) return { ...d, status: 'closed' };
      const w = dataOf(found);
      if (w.status !== 'open') return asRunDigest(found.id, w, 'closed');
      const out = await objects.update(
        WINDOW_KIND,
        found.id,
        { data: { ...found.data, status }, key: null },
        found.version,
        clock.now(),
      );
      if (out.status === 'ok') return asRunDigest(found.id, w, 'closed');
    }
    throw new Error(`the digest window ${d.window_id} kept changing under ${TRIES} tries`);
  }
}
