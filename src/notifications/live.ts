import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { LiveMessage, UserChannel } from './user-channel.js';

/** What a service publishes live: an optional event name and a JSON object. */
export interface LiveInput {
  event?: string;
  data: Record<string, unknown>;
  /** Priority and lifetime as a compatibility door takes them (Ara's `priority`, `ttl`). */
  metadata?: LiveMessage['metadata'];
}

/**
 * Live messages: published to a named channel's subscribers or to every session of a
 * tenant, on every node, and never stored. Sessions that are not connected miss them;
 * what a user must not miss is a notification.
 */
export class LiveMessages {
  constructor(
    private readonly sessions: UserChannel,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  private make(input: LiveInput): LiveMessage {
    return {
      id: this.ids('msg'),
      event: input.event ?? null,
      data: input.data,
      sent_at: new Date(this.clock.now()).toISOString(),
      ...(input.metadata ? { metadata: input.metadata } : {}),
    };
  }

  toChannel(tenantId: string, channel: string, input: LiveInput): LiveMessage {
    const message = this.make(input);
    this.sessions.publishChannel(tenantId, channel, {
      type: 'channel_message',
      data: { ...message, channel },
    });
    return message;
  }

  toTenant(tenantId: string, input: LiveInput): LiveMessage {
    const message = this.make(input);
    this.sessions.publishTenant(tenantId, { type: 'broadcast', data: message });
    return message;
  }
}
