/**
 * What the recipients module keeps: subscribers, their devices, topic memberships and
 * preferences. Every backend implements these (src/store/); the contract suite
 * (test/store/contract/recipients.ts) says what each member must do. Every query names a
 * tenant, and a backend never returns another tenant's data.
 */
import type { Device, Subscriber, SubscriberInput } from '../notifications/ports.js';

/** A stored device: the port's Device and what the app said about it (platform, name…). */
export type DeviceRecord = Device & { info: Record<string, unknown> | null };

/** The fields of a device that can change after registration. */
export type DeviceChange = Partial<
  Pick<DeviceRecord, 'active' | 'last_used_at' | 'failure_count' | 'keys' | 'info'>
>;

/** The lower-cased email a subscriber is found by (`?email=`). */
export const emailKey = (email: string | null): string | null =>
  email === null ? null : email.toLowerCase();

/** Subscribers of a tenant, ordered by id. */
export interface SubscriberStore {
  /**
   * Creates the subscriber, or sets the fields given on the one stored (an absent field is
   * left as it is, null clears it); resolves to the stored subscriber and whether it is new.
   */
  upsert(
    tenantId: string,
    input: SubscriberInput,
    at: number,
  ): Promise<{ subscriber: Subscriber; created: boolean }>;
  /** One subscriber, or null. */
  get(tenantId: string, id: string): Promise<Subscriber | null>;
  /** The stored ones of these subscribers (each once, in the order given): one read. */
  getMany(tenantId: string, ids: string[]): Promise<Subscriber[]>;
  /** Which of these ids are subscribers of the tenant (each once, in the order given). */
  existing(tenantId: string, ids: string[]): Promise<string[]>;
  /** Up to `limit` subscribers with an id above `after`, by id; only `email` (any case) if given. */
  list(
    tenantId: string,
    query: { after?: string; limit: number; email?: string },
  ): Promise<Subscriber[]>;
  /** Deletes a subscriber (only the record); false when there was none. */
  remove(tenantId: string, id: string): Promise<boolean>;
}

/** Push addresses. An address (kind + endpoint or token) is registered once per tenant. */
export interface DeviceStore {
  /**
   * Registers a device. When the tenant already has the same kind and address, that device
   * is updated instead (subscriber, keys, info; active again, failures reset), keeping its id
   * and created_at; resolves to the stored device and whether it is new.
   */
  register(device: DeviceRecord): Promise<{ device: DeviceRecord; created: boolean }>;
  /** One device, or null. */
  get(tenantId: string, id: string): Promise<DeviceRecord | null>;
  /**
   * Every device of these subscribers with one read: each subscriber's in the order `list`
   * gives them, subscribers in the order asked (each once).
   */
  listMany(tenantId: string, subscriberIds: string[]): Promise<DeviceRecord[]>;
  /** A subscriber's devices, oldest first (created_at, then id). */
  list(tenantId: string, subscriberId: string): Promise<DeviceRecord[]>;
  /** Changes the fields given; resolves to the device, or null when there is none. */
  update(
    tenantId: string,
    id: string,
    change: DeviceChange,
    at: number,
  ): Promise<DeviceRecord | null>;
  /** Deletes a device; resolves to what it was, or null. */
  remove(tenantId: string, id: string): Promise<DeviceRecord | null>;
  /** Deletes every device of a subscriber; resolves to how many. */
  removeAll(tenantId: string, subscriberId: string): Promise<number>;
}

/** Who belongs to which topic (by topic key), members ordered by subscriber id. */
export interface TopicMemberStore {
  /** Adds members (one already in stays as is); resolves to how many were added. */
  add(tenantId: string, topic: string, subscriberIds: string[], at: number): Promise<number>;
  /** Removes members; resolves to how many were in the topic. */
  remove(tenantId: string, topic: string, subscriberIds: string[]): Promise<number>;
  /** Up to `limit` member ids above `after` (null: from the first), ascending. */
  list(tenantId: string, topic: string, after: string | null, limit: number): Promise<string[]>;
  /** How many members the topic has. */
  count(tenantId: string, topic: string): Promise<number>;
  /** Removes up to `limit` members of the topic; resolves to how many (repeat until 0). */
  clear(tenantId: string, topic: string, limit: number): Promise<number>;
  /** The topics a subscriber belongs to, by key. */
  topicsOf(tenantId: string, subscriberId: string): Promise<string[]>;
  /** Removes a subscriber from every topic; resolves to how many memberships. */
  leaveAll(tenantId: string, subscriberId: string): Promise<number>;
}

/** A subscriber's stored preferences: what they set, as a JSON document. */
export interface StoredPreferences {
  data: Record<string, unknown>;
  updated_at: number;
}

/** Preferences by subscriber. */
export interface PreferenceStore {
  get(tenantId: string, subscriberId: string): Promise<StoredPreferences | null>;
  /** Replaces the subscriber's document. */
  put(tenantId: string, subscriberId: string, prefs: StoredPreferences): Promise<void>;
  /** The stored preferences of these subscribers with one read, by subscriber; absent: none. */
  getMany(tenantId: string, subscriberIds: string[]): Promise<Map<string, StoredPreferences>>;
  /** Deletes it; false when there was none. */
  remove(tenantId: string, subscriberId: string): Promise<boolean>;
}

/** The address that makes a device unique in its tenant: the endpoint or the token. */
export function deviceAddress(d: Pick<Device, 'kind' | 'endpoint' | 'token'>): string {
  return `${d.kind}:${d.kind === 'webpush' ? d.endpoint : d.token}`;
}
