/**
 * A notification's group key as each push service's collapse identifier, so that a newer
 * notification of the group replaces an undelivered one: web push `Topic` (RFC 8030: at most
 * 32 characters of the base64url alphabet) and `apns-collapse-id` (at most 64 bytes).
 */
import { createHash } from 'node:crypto';

const digest = (key: string) => createHash('sha256').update(key).digest('base64url');

/** A group key as a web push `Topic`: at most 32 base64url characters, whatever the key. */
export function topicOf(groupKey: string): string {
  return digest(groupKey).slice(0, 32);
}

/** A group key as `apns-collapse-id` / FCM collapse key: itself if it fits 64 bytes, else a digest. */
export function collapseIdOf(groupKey: string): string {
  return Buffer.byteLength(groupKey) <= 64 ? groupKey : digest(groupKey);
}
