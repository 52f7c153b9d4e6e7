/**
 * Shared by the built-in plugins (a file, not a plugin folder): reads a `Retry-After`
 * header, which is either delay-seconds or an HTTP date.
 */

/** Milliseconds to wait from `now`, or undefined when the header is absent or unreadable. */
export function retryAfterMs(
  header: string | readonly string[] | null | undefined,
  now: number,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
