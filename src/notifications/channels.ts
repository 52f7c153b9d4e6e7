/**
 * The channels a notification can go out on, and what each one's rendered content is. A
 * template renders into these shapes, routing picks among these channels, and each
 * provider plugin (providers module) receives the content of its own channel.
 */
import type { NotificationAction } from '../client/types.js';

/**
 * An action the recipient can take from the notification: declared once, with the client's
 * types (which a browser bundle imports without the server).
 */
export type { NotificationAction };

/** Built-in channels; provider plugins may add others (e.g. `chat`). */
export const CHANNELS = ['in_app', 'push', 'sms', 'email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The in-app feed entry. */
export interface InAppContent {
  title: string;
  body: string;
  action_url?: string;
  image_url?: string;
  cta_text?: string;
  actions?: NotificationAction[];
  /** Custom JSON for the app (a template's `in_app.data`, rendered). */
  data?: Record<string, unknown>;
}

/** A push notification (web push, FCM, APNs). */
export interface PushContent {
  title: string;
  body: string;
  image?: string;
  icon?: string;
  /** Where a click leads. */
  url?: string;
  /** Delivered to the app without being shown (FCM data messages). */
  data?: Record<string, string>;
}

/** A text message. */
export interface SmsContent {
  body: string;
}

/** A file attached to an email, its bytes in base64. */
export interface EmailAttachment {
  filename: string;
  content_type: string;
  content_base64: string;
}

/** An email: subject, HTML and plain-text parts, and files attached to it. */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
  attachments?: EmailAttachment[];
}

/** A JSON body POSTed to the recipient's or the provider's URL. */
export interface WebhookContent {
  body: Record<string, unknown>;
}

/** The rendered content of each channel. */
export interface ChannelContents {
  in_app: InAppContent;
  push: PushContent;
  sms: SmsContent;
  email: EmailContent;
  webhook: WebhookContent;
}

/** Rendered content for some of the channels. */
export type RenderedContent = Partial<ChannelContents>;
