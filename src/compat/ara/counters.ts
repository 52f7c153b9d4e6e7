import type { Clock } from '../../core/clock.js';

const DAY_MS = 86_400_000;

/** Messages sent through Ara's door today (UTC), for GET /api/v1/stats. */
export class DailyCounters {
  private day = -1;
  private counts = { sent_today: 0, delivered_today: 0, failed_today: 0 };

  constructor(private readonly clock: Clock) {}

  add(sent: number, delivered: number, failed: number): void {
    const c = this.today();
    c.sent_today += sent;
    c.delivered_today += delivered;
    c.failed_today += failed;
  }

  snapshot() {
    return { ...this.today() };
  }

  private today() {
    const day = Math.floor(this.clock.now() / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.counts = { sent_today: 0, delivered_today: 0, failed_today: 0 };
    }
    return this.counts;
  }
}
