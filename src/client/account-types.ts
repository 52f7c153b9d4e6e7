/**
 * The user's preferences and devices as the client sends and receives them (issue 12's
 * model, the seed's names). Times are ISO strings.
 */

/** A channel notifyd delivers on. */
export type ChannelName = 'in_app' | 'push' | 'sms' | 'email' | 'webhook';

export interface ChannelPreference {
  enabled: boolean;
  delivery_schedule: 'realtime' | 'digest';
}

export interface CategoryPreference {
  /** The category's name and description, as the admin set them (read-only). */
  readonly name?: string;
  readonly description?: string | null;
  channels: Partial<Record<ChannelName, boolean>>;
  is_muted: boolean;
  /** Set by the admin: a mandatory category cannot be switched off (403 MANDATORY_CATEGORY). */
  readonly is_mandatory?: boolean;
}

export interface QuietHours {
  enabled: boolean;
  /** HH:MM */
  start_time: string;
  end_time: string;
  /** IANA, e.g. `Europe/Paris`. */
  timezone: string;
  days?: string[];
  channels_affected?: ChannelName[];
}

export interface DigestConfig {
  enabled: boolean;
  frequency: 'hourly' | 'daily' | 'weekly';
  delivery_time?: string;
  delivery_day?: string;
  timezone?: string;
  categories?: string[];
}

/** The user's notification preferences. */
export interface NotificationPreferences {
  global_enabled: boolean;
  channels: Partial<Record<ChannelName, ChannelPreference>>;
  categories: Record<string, CategoryPreference>;
  quiet_hours: QuietHours | null;
  digest: DigestConfig | null;
}

/** What `updatePreferences` may change: any part. */
export type PreferencesUpdate = Partial<Omit<NotificationPreferences, 'categories'>> & {
  categories?: Record<string, Partial<CategoryPreference>>;
};

/** A push address of the user. */
export interface Device {
  id: string;
  kind: 'webpush' | 'fcm' | 'apns';
  endpoint: string | null;
  keys: { p256dh: string; auth: string } | null;
  token: string | null;
  active: boolean;
  last_used_at: string | null;
  failure_count: number;
  created_at: string;
  updated_at: string;
}

/** Registers a device; the same endpoint or token again updates it instead. */
export type RegisterDeviceInput =
  | { kind: 'webpush'; endpoint: string; keys: { p256dh: string; auth: string } }
  | { kind: 'fcm' | 'apns'; token: string };
