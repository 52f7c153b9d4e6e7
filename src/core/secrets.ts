/**
 * Secrets at rest: AES-256-GCM under `encryption.key` (NOTIFYD_ENCRYPTION_KEY). A sealed
 * value is text, `enc:v1:` + base64url(12-byte nonce | 16-byte tag | ciphertext), so it sits
 * in any JSON document where the plaintext did. Used by runtime providers' credentials and
 * outgoing webhooks' secrets; a value without the prefix is plaintext written before the
 * key was set, and is read as it is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The 32 bytes of an encryption key given as 64 hex digits or base64 (url-safe or not). */
export function parseEncryptionKey(text: string): Buffer | { reason: string } {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const bytes = Buffer.from(t.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return {
    reason:
      'must be 32 bytes, as 64 hex digits or in base64 (e.g. the output of `openssl rand -base64 32`)',
  };
}

/** Whether a stored value is sealed (else it is plaintext from before the key was set). */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** A sealed value that cannot be opened: another key, or tampered with. */
export class SecretOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretOpenError';
  }
}

/** Seals and opens secrets with one AES-256-GCM key. */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** A box for `encryption.key`; null when it is empty. Throws on a malformed key. */
  static fromKey(text: string): SecretBox | null {
    if (text.trim() === '') return null;
    const key = parseEncryptionKey(text);
    if (!Buffer.isBuffer(key)) throw new Error(`encryption.key ${key.reason}`);
    return new SecretBox(key);
  }

  /** The plaintext sealed under a fresh random nonce. */
  seal(plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The plaintext of a sealed value; throws SecretOpenError on another key or a change. */
  open(sealed: string): string {
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (!isSealed(sealed) || raw.length < NONCE_BYTES + TAG_BYTES) {
      throw new SecretOpenError('not a sealed value');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    try {
      const body = raw.subarray(NONCE_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretOpenError(
        'a stored secret does not open with encryption.key (another key, or the row was changed)',
      );
    }
  }
}

/**
 * A stored value as plaintext: opened when sealed, as it is when not (written before the key
 * was set). A sealed value with no key configured cannot be read: SecretOpenError.
 */
export function readSecret(box: SecretBox | null, stored: string): string {
  if (!isSealed(stored)) return stored;
  if (!box) {
    throw new SecretOpenError(
      'a stored secret is encrypted, but encryption.key (NOTIFYD_ENCRYPTION_KEY) is not set',
    );
  }
  return box.open(stored);
}

/** What to store for a secret: sealed when a key is set, else the plaintext as before. */
export function writeSecret(box: SecretBox | null, plaintext: string): string {
  return box ? box.seal(plaintext) : plaintext;
}
