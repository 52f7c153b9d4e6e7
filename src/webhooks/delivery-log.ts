import type { DeliveryAttemptView } from './schemas.js';

/** How many attempts the log keeps per webhook. */
export const DELIVERY_LOG_SIZE = 100;

/**
 * The recent delivery attempts of each webhook, newest first, in this node's memory only:
 * it answers "did my endpoint get it, and what did it say" without a write per attempt.
 * Another node's attempts and those before a restart are not in it.
 */
export class DeliveryLog {
  private readonly byWebhook = new Map<string, DeliveryAttemptView[]>();

  constructor(private readonly size = DELIVERY_LOG_SIZE) {}

  record(webhookId: string, attempt: DeliveryAttemptView): void {
    let entries = this.byWebhook.get(webhookId);
    if (!entries) {
      entries = [];
      this.byWebhook.set(webhookId, entries);
    }
    entries.unshift(attempt);
    if (entries.length > this.size) entries.length = this.size;
  }

  /** Newest first. */
  recent(webhookId: string): DeliveryAttemptView[] {
    return [...(this.byWebhook.get(webhookId) ?? [])];
  }

  /** Forgets a deleted webhook's attempts. */
  forget(webhookId: string): void {
    this.byWebhook.delete(webhookId);
  }
}
