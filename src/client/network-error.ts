/**
 * The message for a request that got no answer at all. In a browser, a request to another
 * origin that the server's CORS answer does not allow fails exactly like an unreachable
 * server (a bare "Failed to fetch"), so the message names that cause and the option that
 * fixes it.
 */
export function networkErrorMessage(base: string, reason: string): string {
  const page = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  let target: string | null = null;
  try {
    target = new URL(base).origin;
  } catch {}
  const crossOrigin = typeof page === 'string' && page !== 'null' && target !== page;
  if (!crossOrigin) return `cannot reach ${base}: ${reason}`;
  return (
    `cannot reach ${base}: ${reason}. If the server is up, the browser may have blocked the ` +
    `request (CORS): add this page's origin, ${page}, to the server's server.cors_origins ` +
    '(NOTIFYD_SERVER__CORS_ORIGINS).'
  );
}
