/** The logger's options (log.*). */
import { defineOptions, type SectionOf, sectionCheck } from './option-spec.js';
import { parseEncryptionKey } from './secrets.js';

/** What is logged. */
export const LOG_OPTIONS = defineOptions([
  {
    path: 'log.level',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    env: ['LOG_LEVEL'],
    doc: 'Least severe level written to the log.',
  },
  {
    path: 'log.access',
    type: 'boolean',
    default: false,
    doc: 'Log every HTTP request (method, route, status, duration, request id).',
  },
]);

/** The logger's settings as loaded: `log.*`. */
export type LogOptions = SectionOf<typeof LOG_OPTIONS, 'log'>;

/** Encryption of secrets at rest (runtime providers' credentials, outgoing webhooks' secrets). */
export const ENCRYPTION_OPTIONS = defineOptions([
  {
    path: 'encryption.key',
    type: 'string',
    default: '',
    secret: true,
    env: ['NOTIFYD_ENCRYPTION_KEY'],
    doc: 'AES-256-GCM key (32 bytes: 64 hex digits or base64, e.g. `openssl rand -base64 32`) that encrypts stored secrets: the credentials of providers added through the API (which are refused without it) and outgoing webhook secrets; a key derived from it signs the one-click unsubscribe links of emails. The same on every node; losing it loses those secrets.',
  },
]);

/** `encryption.*` as loaded. */
export type EncryptionOptions = SectionOf<typeof ENCRYPTION_OPTIONS, 'encryption'>;

/** The encryption key, when set, is 32 bytes. */
export const checkEncryptionOptions = sectionCheck(
  'encryption',
  (encryption: EncryptionOptions, report) => {
    if (encryption.key.trim() === '') return;
    const key = parseEncryptionKey(encryption.key);
    if (!Buffer.isBuffer(key)) report('encryption.key', encryption.key, key.reason);
  },
);
