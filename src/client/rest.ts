/** A small REST client for notifyd; the CLI's admin commands use it too. */
import { networkErrorMessage } from './network-error.js';

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** An API key (`nk_…`). */
  key?: string;
  /** Milliseconds before a request is abandoned. */
  timeoutMs?: number;
  /** The fetch to use (default the global one): for tests, or a runtime without it. */
  fetch?: typeof fetch;
}

/** An error answer from the server, or no answer at all (`code` NETWORK_ERROR). */
export class NotifydApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'NotifydApiError';
  }
}

interface ErrorEnvelope {
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * The error an answer that was not 2xx stands for: the server's envelope (code, message,
 * details) when its body is one, else HTTP_ERROR with the status (a proxy's HTML page).
 */
export function apiErrorOf(status: number, body: string): NotifydApiError {
  let e: ErrorEnvelope['error'];
  try {
    e = (JSON.parse(body) as ErrorEnvelope | null)?.error;
  } catch {}
  return new NotifydApiError(
    status,
    e?.code ?? 'HTTP_ERROR',
    e?.message ?? `HTTP ${status}`,
    e?.details ?? {},
  );
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tenant_id: string | null;
  ip_allowlist: string[];
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** What an API key may do (the server's SCOPES). */
export type Scope =
  | 'notifications:send'
  | 'notifications:manage'
  | 'notifications:admin'
  | 'analytics:read'
  | 'analytics:write'
  | 'analytics:manage'
  | 'ratelimit:read'
  | 'ratelimit:manage'
  | 'ratelimit:admin';

export interface CreateKeyInput {
  name: string;
  scopes: Scope[];
  tenant_id?: string | null;
  ip_allowlist?: string[];
  expires_at?: string;
}

/** An action as a sender gives it. */
export interface SendAction {
  id: string;
  label: string;
  type: 'primary' | 'secondary' | 'destructive';
  url?: string;
  callback_key?: string;
}

/** Inline in-app content. */
export interface SendContent {
  title: string;
  body: string;
  action_url?: string;
  image_url?: string;
  cta_text?: string;
  actions?: SendAction[];
}

/** A channel routing may pick. */
export type SendChannel = 'in_app' | 'push' | 'sms' | 'email' | 'webhook';

/** A recipient given inline, upserted as a subscriber. */
export interface SendRecipient {
  id: string;
  email?: string | null;
  phone?: string | null;
  locale?: string | null;
  timezone?: string | null;
  name?: string | null;
  avatar_url?: string | null;
  data?: Record<string, unknown> | null;
}

/** A send: inline `content` or a `template` with its `payload`, to `recipient_id` or `recipient`. */
export interface SendInput {
  recipient_id?: string;
  recipient?: SendRecipient;
  content?: SendContent;
  /** A template id or key. */
  template?: string;
  template_id?: string;
  payload?: Record<string, unknown>;
  locale?: string;
  channels?: SendChannel[];
  channel_overrides?: {
    in_app?: Partial<SendContent>;
    push?: {
      title?: string;
      body?: string;
      image?: string;
      icon?: string;
      url?: string;
      data?: Record<string, string>;
    };
    sms?: { body?: string };
    email?: { subject?: string; html?: string; text?: string };
    webhook?: { body?: Record<string, unknown> };
  };
  ttl_seconds?: number;
  category?: string;
  /** `critical` is an alias of `urgent`. */
  priority?: 'low' | 'normal' | 'high' | 'urgent' | 'critical';
  actions?: SendAction[];
  /** ISO time; from then on it leaves the feed. */
  expires_at?: string;
  cancellation_key?: string;
  data?: Record<string, unknown>;
  group_key?: string;
  idempotency_key?: string;
  /** ISO time: send later (the answer is `status: scheduled`, see the REST docs). */
  send_at?: string;
}

export interface SendResult {
  request_id: string;
  notification_id: string;
  status: 'accepted';
  channels_targeted: string[];
  channels_skipped?: Record<string, string>;
}

export class NotifydClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetchOk(method, path, body);
    const text = await res.text();
    return (text ? (JSON.parse(text) as unknown) : undefined) as T;
  }

  /** A file the API answers (a report's download): its bytes and content type. */
  async download(path: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const res = await this.fetchOk('GET', path);
    return {
      bytes: new Uint8Array(await res.arrayBuffer()),
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
    };
  }

  /** Sends a request; an error answer (or none) throws NotifydApiError. */
  private async fetchOk(method: string, path: string, body?: unknown): Promise<Response> {
    // Called detached from `options`: a browser's fetch throws when `this` is not the window.
    const fetchFn = this.options.fetch ?? globalThis.fetch;
    let res: Response;
    try {
      res = await fetchFn(`${this.base}${path}`, {
        method,
        headers: {
          ...(this.options.key ? { authorization: `Bearer ${this.options.key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const reason =
        err instanceof Error ? ((err.cause as Error)?.message ?? err.message) : String(err);
      throw new NotifydApiError(0, 'NETWORK_ERROR', networkErrorMessage(this.base, reason));
    }
    if (res.ok) return res;
    throw apiErrorOf(res.status, await res.text());
  }

  createKey(input: CreateKeyInput): Promise<ApiKey & { key: string }> {
    return this.request('POST', '/api/v1/keys', input);
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await this.request<{ data: ApiKey[] }>('GET', '/api/v1/keys')).data;
  }

  async revokeKey(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`);
  }

  send(input: SendInput): Promise<SendResult> {
    return this.request('POST', '/api/v1/notifications', input);
  }
}
