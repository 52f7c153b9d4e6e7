/** The security and caching headers of the web surfaces. */

/** Scripts and styles: short-lived in caches, then revalidated with their ETag. */
export const ASSET_CACHE = 'public, max-age=300';
/** Pages: always revalidated, so a new release shows at the next load. */
export const PAGE_CACHE = 'no-cache';

/**
 * A page's Content-Security-Policy: scripts and styles only from notifyd itself (no inline
 * script or style anywhere), API calls and sockets to notifyd itself, nothing else.
 * `framing` is who may put the page in a frame.
 */
export function contentSecurityPolicy(framing: "'none'" | "'self'"): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    // Notification images may come from anywhere the sender points to (over https).
    "img-src 'self' data: https:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${framing}`,
  ].join('; ');
}

/** Headers of an HTML page; the console may not be framed at all, the demo only by itself. */
export function pageHeaders(framing: "'none'" | "'self'"): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(framing),
    'x-frame-options': framing === "'none'" ? 'DENY' : 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': PAGE_CACHE,
  };
}

/** Headers of a script or style sheet (CORS comes from the router, per server.cors_origins). */
export function assetHeaders(): Record<string, string> {
  return { 'x-content-type-options': 'nosniff', 'cache-control': ASSET_CACHE };
}
