/**
 * One-click unsubscribe tokens (RFC 8058): what an email's `List-Unsubscribe` URL carries.
 * A token names a tenant, a subscriber and a category, with an HMAC-SHA256 of the three
 * under a key derived from `encryption.key` (HKDF, its own label, so the link key is never
 * the key that seals secrets). It does not expire: an unsubscribe link in an old mail must
 * still work, and it can only ever turn that one category's email off.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { parseEncryptionKey } from '../core/secrets.js';

/** What a token names. */
export interface UnsubscribeTarget {
  tenant_id: string;
  subscriber_id: string;
  category: string;
}

/** The path an unsubscribe link goes to. */
export const UNSUBSCRIBE_PATH = '/api/v1/unsubscribe';

/** Signs and reads unsubscribe tokens under one key. */
export class UnsubscribeTokens {
  private constructor(private readonly key: Buffer) {}

  /** Tokens under `encryption.key`; null when it is empty (or malformed: start-up says so). */
  static fromEncryptionKey(text: string): UnsubscribeTokens | null {
    if (text.trim() === '') return null;
    const raw = parseEncryptionKey(text);
    if (!Buffer.isBuffer(raw)) return null;
    const key = hkdfSync('sha256', raw, Buffer.alloc(0), 'notifyd unsubscribe v1', 32);
    return new UnsubscribeTokens(Buffer.from(key));
  }

  /** `v1.<payload>.<signature>`, both base64url. */
  sign(target: UnsubscribeTarget): string {
    const payload = Buffer.from(
      JSON.stringify([target.tenant_id, target.subscriber_id, target.category]),
    ).toString('base64url');
    return `v1.${payload}.${this.mac(payload)}`;
  }

  /** What a token names; null when it is not one this key signed. */
  read(token: string): UnsubscribeTarget | null {
    const [version, payload, signature, ...rest] = token.split('.');
    if (version !== 'v1' || !payload || !signature || rest.length > 0) return null;
    const want = Buffer.from(this.mac(payload));
    const got = Buffer.from(signature);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    try {
      const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (!Array.isArray(value) || value.length !== 3) return null;
      if (!value.every((v) => typeof v === 'string' && v !== '')) return null;
      const [tenant_id, subscriber_id, category] = value as string[];
      return { tenant_id, subscriber_id, category };
    } catch {
      return null;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** The full unsubscribe URL of a target under `publicUrl`. */
export function unsubscribeUrl(
  publicUrl: string,
  tokens: UnsubscribeTokens,
  target: UnsubscribeTarget,
): string {
  const q = new URLSearchParams({ token: tokens.sign(target) });
  return `${publicUrl}${UNSUBSCRIBE_PATH}?${q}`;
}
