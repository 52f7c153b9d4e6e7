import type { NotificationView } from './schemas.js';

/** The columns of a CSV export, in order. */
const COLUMNS = [
  'id',
  'created_at',
  'category',
  'priority',
  'title',
  'body',
  'action_url',
  'group_key',
  'read_at',
  'dismissed_at',
  'action_id',
  'actioned_at',
  'expires_at',
  'data',
] as const;

function row(n: NotificationView): unknown[] {
  return [
    n.id,
    n.created_at,
    n.category,
    n.priority,
    n.content.title,
    n.content.body,
    n.content.action_url,
    n.group_key,
    n.read_at,
    n.dismissed_at,
    n.action_taken?.action_id,
    n.action_taken?.at,
    n.expires_at,
    n.data === null ? null : JSON.stringify(n.data),
  ];
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A cell a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Notifications as CSV: a header line, then one line per notification (CRLF). */
export function toCsv(items: NotificationView[]): string {
  const lines = [COLUMNS.join(',')];
  for (const n of items) lines.push(row(n).map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
