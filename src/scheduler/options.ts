/** Scheduler options (scheduler.*): the runtime that runs durable jobs. */
import { defineOptions, type SectionOf } from '../core/option-spec.js';

export const SCHEDULER_OPTIONS = defineOptions([
  {
    path: 'scheduler.enabled',
    type: 'boolean',
    default: true,
    doc: 'Run due jobs on this node (scheduled sends, recurring jobs). Off, the node still accepts scheduled sends and leaves running them to other nodes.',
  },
  {
    path: 'scheduler.poll_interval_ms',
    type: 'integer',
    default: 1000,
    min: 10,
    max: 600000,
    doc: 'How often the scheduler looks for due jobs at the latest; it also wakes at the next job it knows of. Jobs scheduled on other nodes are seen within this.',
  },
  {
    path: 'scheduler.concurrency',
    type: 'integer',
    default: 64,
    min: 1,
    max: 1000,
    doc: 'Jobs one node runs at once.',
  },
  {
    path: 'scheduler.lease_ms',
    type: 'integer',
    default: 30000,
    min: 100,
    max: 3600000,
    doc: 'How long a claimed job is held by its node; a node that dies leaves it to another after this. Longer than the slowest job.',
  },
  {
    path: 'scheduler.max_attempts',
    type: 'integer',
    default: 5,
    min: 1,
    max: 100,
    doc: 'Runs of a job before it is marked failed (a run whose node died counts).',
  },
  {
    path: 'scheduler.retry_backoff_ms',
    type: 'integer',
    default: 5000,
    min: 0,
    max: 86400000,
    doc: 'Wait before the first retry of a failed run; it doubles with each attempt.',
  },
  {
    path: 'scheduler.max_lateness_ms',
    type: 'integer',
    default: 0,
    min: 0,
    max: 31536000000,
    doc: 'A scheduled send found this much past its send_at (notifyd was down) is dropped instead of sent; 0 sends it however late.',
  },
  {
    path: 'scheduler.max_send_ahead_days',
    type: 'integer',
    default: 365,
    min: 1,
    max: 3650,
    doc: 'How far ahead a send_at may be; a later one is refused (400).',
  },
  {
    path: 'scheduler.retention_hours',
    type: 'integer',
    default: 168,
    min: 1,
    max: 87600,
    doc: 'How long finished, failed and cancelled jobs stay readable before they are purged.',
  },
]);

/** Scheduler settings as loaded: `scheduler.*`. */
export type SchedulerOptions = SectionOf<typeof SCHEDULER_OPTIONS, 'scheduler'>;
