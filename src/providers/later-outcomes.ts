/**
 * The one path by which a provider's later word settles a delivery it accepted: a status
 * callback (Twilio's route) or a status poll (`status-poll.ts`). The `sent` delivery
 * becomes `delivered` (`notification.delivered`) or `failed` (a dead letter,
 * `notification.failed`), counted in `notifyd_deliveries_total{outcome}`. The move is a
 * compare-and-set on `sent` in the store, so whichever report comes first settles it and a
 * later one (a repeated callback, a poll after the callback) changes and emits nothing.
 */
import type { Clock } from '../core/clock.js';
import type { EventSink } from '../events/catalogue.js';
import type { DeliveryReports } from '../notifications/delivery-port.js';
import { deliveryFields } from './events.js';
import type { ProviderMetrics } from './metrics.js';

/** What the provider reported: final outcomes only. */
export type LaterReport = { state: 'delivered' } | { state: 'failed'; error: string };

/**
 * How a report ended: it settled the delivery (`delivered`, `failed`), names no delivery
 * (`unknown`), or came after the delivery was settled (`already_settled`).
 */
export type LaterOutcome = 'delivered' | 'failed' | 'unknown' | 'already_settled';

export interface LaterOutcomesDeps {
  /** The notification engine's reports service; absent: every report is `unknown`. */
  reports: DeliveryReports | undefined;
  emit: EventSink<'notification.delivered' | 'notification.failed'>;
  clock: Clock;
  metrics: ProviderMetrics;
}

export class LaterOutcomes {
  constructor(private readonly deps: LaterOutcomesDeps) {}

  /**
   * Whether the delivery of `channel` with this provider message id still waits for its
   * outcome (`sent`), was settled since (`settled`), or is not known (`unknown`).
   */
  async stateOf(channel: string, messageId: string): Promise<'sent' | 'settled' | 'unknown'> {
    const found = await this.deps.reports?.byProviderMessageId(channel, messageId);
    if (!found) return 'unknown';
    return found.status === 'sent' ? 'sent' : 'settled';
  }

  /** Settles the `sent` delivery of `channel` whose provider message id is `messageId`. */
  async settle(
    provider: { name: string; channel: string },
    messageId: string,
    report: LaterReport,
  ): Promise<LaterOutcome> {
    const { reports, clock, metrics, emit } = this.deps;
    const found = reports ? await reports.byProviderMessageId(provider.channel, messageId) : null;
    if (!reports || !found) return 'unknown';
    const at = new Date(clock.now()).toISOString();
    if (report.state === 'delivered') {
      const after = await reports.confirmSent(found.id, 'delivered');
      if (!after) return 'already_settled';
      metrics.settled(after.channel, 'delivered');
      emit('notification.delivered', after.tenant_id, {
        ...deliveryFields(after, await reports.categoryOf(after)),
        provider: provider.name,
        provider_message_id: messageId,
        delivered_at: at,
      });
      return 'delivered';
    }
    const after = await reports.confirmSent(found.id, 'failed', report.error);
    if (!after) return 'already_settled';
    metrics.settled(after.channel, 'undelivered');
    emit('notification.failed', after.tenant_id, {
      ...deliveryFields(after, await reports.categoryOf(after)),
      status: 'failed',
      kind: 'permanent',
      provider: provider.name,
      error: report.error,
      failed_at: at,
    });
    return 'failed';
  }
}
