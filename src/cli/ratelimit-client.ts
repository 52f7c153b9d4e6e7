import type { NotifydClient } from '../client/rest.js';
import type { RemoteOptions } from './remote.js';

/** Options of commands that create tenant-scoped or global objects. */
export interface OwnerOptions extends RemoteOptions {
  tenant?: string;
  global?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the CLI prints whatever the API answered
export type ApiObject = Record<string, any>;
export interface ApiPage {
  data: ApiObject[];
  page: number;
  per_page: number;
  total: number;
}

/** `tenant_id` for a create body: `--global` is null, `--tenant x` is x, else the key's. */
export function ownerOf(opts: OwnerOptions): { tenant_id?: string | null } {
  if (opts.global) return { tenant_id: null };
  return opts.tenant ? { tenant_id: opts.tenant } : {};
}

/** Calls `/api/v1/ratelimit/…`. */
export function rl<T = ApiObject>(
  client: NotifydClient,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  return client.request<T>(method, `/api/v1/ratelimit${path}`, body);
}

/** `?page=…&per_page=…` and any other query parameters that are set. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined) as Array<
    [string, string]
  >;
  return entries.length
    ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`
    : '';
}

export const enc = encodeURIComponent;

/** The tenant column: `*` for global objects. */
export const owner = (o: ApiObject) => (o.tenant_id === null ? '(global)' : String(o.tenant_id));

/** `100/minute`, or `100/30s`. */
export function limitText(l: ApiObject): string {
  const window = l.window_unit ?? `${l.window_seconds}s`;
  return `${l.max_requests}/${window} per ${(l.key ?? [l.scope]).join('+')}${l.cost_based ? ' (cost)' : ''}`;
}

/** A footer under a table when there are more pages. */
export function pageNote(p: ApiPage): string {
  const last = Math.max(1, Math.ceil(p.total / p.per_page));
  return last > 1 ? `page ${p.page} of ${last} (${p.total} in all; --page for more)\n` : '';
}
