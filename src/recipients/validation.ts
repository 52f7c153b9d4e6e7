import { NotifydError } from '../core/errors.js';

/** A VALIDATION_ERROR naming the field, as schema failures are. */
export function invalid(field: string, message: string): NotifydError {
  return new NotifydError('VALIDATION_ERROR', `${field} ${message}`, {
    issues: [{ field, message }],
  });
}

/** E.164: a plus, then up to 15 digits, the first not 0. */
const E164 = /^\+[1-9]\d{6,14}$/;

export function checkPhone(phone: string, field: string): string {
  if (!E164.test(phone)) throw invalid(field, 'must be an E.164 number such as +33612345678');
  return phone;
}

const zones = new Map<string, boolean>();

/** Whether Intl knows this IANA time zone (answers cached: the set is fixed per runtime). */
export function isTimeZone(zone: string): boolean {
  let known = zones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = zone.length > 0;
    } catch {
      known = false;
    }
    if (zones.size < 10_000) zones.set(zone, known);
  }
  return known;
}

export function checkTimeZone(zone: string, field: string): string {
  if (!isTimeZone(zone)) throw invalid(field, 'must be an IANA time zone such as Europe/Paris');
  return zone;
}

/** A BCP 47 language tag, canonicalised (`pt-br` becomes `pt-BR`). */
export function checkLocale(locale: string, field: string): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(locale);
    if (canonical) return canonical;
  } catch {}
  throw invalid(field, 'must be a BCP 47 language tag such as fr or pt-BR');
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** Base64url text that decodes to exactly `bytes` bytes. */
export function checkBase64Url(value: string, bytes: number, field: string): string {
  if (!BASE64URL.test(value) || Buffer.from(value, 'base64url').length !== bytes) {
    throw invalid(field, `must be base64url of ${bytes} bytes`);
  }
  return value;
}

/** A web push endpoint: an absolute https URL (http only for loopback hosts, for testing). */
export function checkEndpoint(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(field, 'must be an absolute https URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw invalid(field, 'must be an https URL');
  }
  return parsed.href;
}

/** HH:MM, 24-hour. */
export const TIME_PATTERN = '^([01]\\d|2[0-3]):[0-5]\\d$';

/** Minutes since midnight of an HH:MM text. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
