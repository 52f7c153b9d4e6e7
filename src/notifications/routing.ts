/**
 * Channel routing for one recipient: the candidate channels (the template's, or for inline
 * content the channels asked for, `in_app` when none) ∩ the channels asked for ∩ what the
 * recipient's preferences decide ∩ availability (a device for push, a phone for sms, an
 * email for email) ∩ channels a provider serves. Every channel dropped keeps its reason.
 */
import type { Channel, InAppContent, RenderedContent } from './channels.js';
import type { ProviderChannels } from './delivery-port.js';
import type { ChannelDecision, Device, SkipReason, Subscriber } from './ports.js';

/** What routing decided for one channel. */
export type Routed =
  | { channel: Channel; deliver: true; defer_until: number | null }
  | { channel: Channel; deliver: false; reason: SkipReason };

export interface RoutingInput {
  /** Channels the content exists for (the template's, or inline ones). */
  candidates: readonly Channel[];
  /** Channels the sender restricted the send to; null: no restriction. */
  requested: readonly Channel[] | null;
  /** The preferences' decision per channel; absent channel: deliver. */
  decisions: Record<string, ChannelDecision> | null;
  subscriber: Subscriber | null;
  devices: readonly Device[];
  providers: ProviderChannels | null;
}

/** Whether the recipient can be reached on a channel at all, and why not. */
function unavailable(channel: Channel, input: RoutingInput): SkipReason | null {
  if (channel === 'push' && input.devices.length === 0) return 'no_device';
  if (channel === 'sms' && !input.subscriber?.phone) return 'no_phone';
  if (channel === 'email' && !input.subscriber?.email) return 'no_email';
  // The feed needs no provider: stored in it is delivered.
  if (channel !== 'in_app' && input.providers && !input.providers.serves(channel)) {
    return 'no_provider';
  }
  return null;
}

/** One decision per channel: the candidates, then requested channels the content lacks. */
export function route(input: RoutingInput): Routed[] {
  const out: Routed[] = [];
  const requested = input.requested ? new Set(input.requested) : null;
  for (const channel of input.candidates) {
    if (requested && !requested.has(channel)) {
      out.push({ channel, deliver: false, reason: 'not_requested' });
      continue;
    }
    const decision = input.decisions?.[channel];
    if (decision && !decision.deliver) {
      out.push({ channel, deliver: false, reason: decision.reason });
      continue;
    }
    if (decision && 'digest' in decision) {
      out.push({ channel, deliver: false, reason: 'digest' });
      continue;
    }
    const reason = unavailable(channel, input);
    if (reason) {
      out.push({ channel, deliver: false, reason });
      continue;
    }
    const until = decision && 'defer_until' in decision ? decision.defer_until : null;
    out.push({ channel, deliver: true, defer_until: until });
  }
  const candidates = new Set(input.candidates);
  for (const channel of input.requested ?? []) {
    if (!candidates.has(channel)) out.push({ channel, deliver: false, reason: 'not_in_template' });
  }
  return out;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Content for a channel from inline in-app content, when the sender gave no override: the
 * title and body as a push, a text and an email.
 */
export function contentFromInApp(
  channel: string,
  c: InAppContent,
): RenderedContent[Channel] | null {
  switch (channel) {
    case 'in_app':
      return c;
    case 'push':
      return {
        title: c.title,
        body: c.body,
        ...(c.image_url ? { image: c.image_url } : {}),
        ...(c.action_url ? { url: c.action_url } : {}),
      };
    case 'sms':
      return { body: c.body ? `${c.title}\n${c.body}` : c.title };
    case 'email': {
      const link = c.action_url
        ? `<p><a href="${escapeHtml(c.action_url)}">${escapeHtml(c.cta_text ?? c.action_url)}</a></p>`
        : '';
      return {
        subject: c.title,
        text: c.action_url ? `${c.body}\n\n${c.action_url}` : c.body,
        html: `<p>${escapeHtml(c.body)}</p>${link}`,
      };
    }
    case 'webhook':
      return { body: { title: c.title, body: c.body, action_url: c.action_url ?? null } };
    default:
      return null;
  }
}
