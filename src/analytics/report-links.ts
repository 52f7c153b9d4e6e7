/**
 * Signed download links of reports: what a schedule delivering by webhook sends. The link
 * names the report, its format and when it stops working, with an HMAC-SHA256 of the three
 * under `analytics.reports.link_secret`, so the receiver downloads it with no API key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { NotifydError } from '../core/errors.js';
import type { ReportFormat } from './report-query.js';

export interface LinkSettings {
  secret: string;
  /** Prefixed to the path; empty: the link is a path. */
  publicUrl: string;
  ttlMs: number;
}

const sign = (secret: string, id: string, format: string, expires: number) =>
  createHmac('sha256', secret).update(`${id}\n${format}\n${expires}`).digest('base64url');

/** The path a signed link goes to. */
export const signedPath = (id: string) => `/api/v1/reports/${id}/file`;

/** A link to download report `id` as `format` until `expiresAt` (epoch ms). */
export function signedLink(
  s: LinkSettings,
  id: string,
  format: ReportFormat,
  expiresAt: number,
): string {
  const expires = Math.floor(expiresAt / 1000);
  const q = new URLSearchParams({ format, expires: String(expires) });
  q.set('signature', sign(s.secret, id, format, expires));
  return `${s.publicUrl.replace(/\/+$/, '')}${signedPath(id)}?${q}`;
}

/** Checks a link's signature and expiry: 403 FORBIDDEN when it is not one notifyd made, or ended. */
export function checkLink(
  s: LinkSettings,
  id: string,
  q: { format: string; expires: number; signature: string },
  now: number,
): void {
  const want = Buffer.from(sign(s.secret, id, q.format, q.expires));
  const got = Buffer.from(q.signature);
  if (!s.secret || want.length !== got.length || !timingSafeEqual(want, got)) {
    throw new NotifydError('FORBIDDEN', 'The download link is not valid.');
  }
  if (q.expires * 1000 <= now) {
    throw new NotifydError('FORBIDDEN', 'The download link has expired.', {
      expired_at: new Date(q.expires * 1000).toISOString(),
    });
  }
}
