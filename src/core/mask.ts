/** Masks personal data before it reaches a log line: keep enough to recognise, not to use. */

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
/**
 * A phone number is a long run of digits and separators. IPv4 addresses and dates look the
 * same, so they are matched first (group 1) and kept as they are.
 */
const PHONE =
  /(\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?)|\+?\d[\d\s().-]{6,}\d/g;
const BEARER = /\b(nk_|Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

/** Masks emails, phone numbers, API keys and bearer tokens inside free text. */
export function maskText(text: string): string {
  return text
    .replace(BEARER, (_m, p: string) => `${p}***`)
    .replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`)
    .replace(PHONE, (m, kept?: string) => kept ?? `***${m.slice(-2)}`);
}

/** Masks a whole secret value, keeping only its length class. */
export function maskSecret(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) return '';
  return '********';
}
