/**
 * The release of in-app notifications a per-user cap deferred (caps.ts). A queued channel
 * past its cap needs nothing more: its delivery row waits (`pending`, due at the window's
 * start) and the providers' workers claim it then, as with quiet hours. The feed has no
 * worker, so a deferred in-app notification is written out of the feed with its in-app
 * delivery pending, and a durable `notification.release` job, due at the window's start,
 * puts it in the feed: as a new feed item (new id, created at the release), so that it sorts
 * among that window's notifications and a client resuming after its last seen id gets it.
 * The held one's in-app delivery is then `delivered` (or `cancelled` / `expired`).
 *
 * Once: the job is keyed by the notification, and the feed item is written with the
 * idempotency key `released:{id}`, so a run repeated after a crash writes nothing twice.
 */
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { JobRecord } from '../scheduler/jobs.js';
import type { SchedulerService } from '../scheduler/service.js';
import type { Store } from '../store/types.js';
import { type NotificationRecord, newDelivery } from './records.js';

/** The job kind that puts a capped in-app notification in the feed. */
export const CAP_RELEASE = 'notification.release';

export interface CapReleaseDeps {
  scheduler: SchedulerService;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  idempotencyTtlMs: number;
  /** Real-time delivery to the recipient's sessions (the sender's publish). */
  publish(n: NotificationRecord): Promise<void>;
  /** Whether the notification was cancelled by its key. */
  cancelled(n: NotificationRecord): Promise<boolean>;
}

export class CapRelease {
  constructor(private readonly deps: CapReleaseDeps) {
    deps.scheduler.register(CAP_RELEASE, (job) => this.run(job));
  }

  /** Schedules the release of a held in-app notification at `at`. */
  async schedule(n: NotificationRecord, at: number): Promise<void> {
    await this.deps.scheduler.schedule(
      n.tenant_id,
      CAP_RELEASE,
      at,
      { notification_id: n.id },
      { key: `release:${n.id}` },
    );
  }

  private async run(job: JobRecord): Promise<undefined> {
    const { store, clock, ids } = this.deps;
    const id = (job.payload as { notification_id: string }).notification_id;
    const n = await store.notifications.find(job.tenant_id, id);
    if (!n) return undefined;
    const now = clock.now();
    const settle = (status: 'delivered' | 'cancelled' | 'expired') =>
      store.deliveries.setStatus(n.tenant_id, n.recipient_id, [n.id], 'in_app', status, now);
    if (n.deleted_at !== null || (await this.deps.cancelled(n))) {
      await settle('cancelled');
      return undefined;
    }
    if (n.expires_at !== null && n.expires_at <= now) {
      await settle('expired');
      return undefined;
    }
    const key = `released:${n.id}`;
    const item: NotificationRecord = {
      ...n,
      id: ids('ntf'),
      channels: ['in_app'],
      contents: null,
      idempotency_key: key,
      created_at: now,
      read_at: null,
      dismissed_at: null,
    };
    const [outcome] = await store.notifications.insert([
      {
        notification: item,
        deliveries: [
          newDelivery(
            ids('dlv'),
            {
              tenant_id: n.tenant_id,
              notification_id: item.id,
              recipient_id: n.recipient_id,
              channel: 'in_app',
            },
            now,
            { status: 'delivered', attempts: 1 },
          ),
        ],
        idempotency: { key, expires_at: now + this.deps.idempotencyTtlMs },
      },
    ]);
    if (outcome?.status === 'created') await this.deps.publish(item);
    await settle('delivered');
    return undefined;
  }
}
