import { apiErrorOf, NotifydApiError, NotifydClient } from './rest.js';

/** Gives the current end-user token; `fresh` asks the provider again (the last was refused). */
export type TokenSource = (fresh: boolean) => Promise<string>;

/** REST calls as the end user, with their JWT: retried once with a fresh token on 401. */
export class UserRest {
  constructor(
    private readonly url: string,
    private readonly token: TokenSource,
    private readonly fetchFn: typeof fetch | undefined,
  ) {}

  /** A request with the current token; once more with a fresh one if it was refused. */
  protected async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await this.client(await this.token(false)).request<T>(method, path, body);
    } catch (err) {
      if (!(err instanceof NotifydApiError) || err.status !== 401) throw err;
      return this.client(await this.token(true)).request<T>(method, path, body);
    }
  }

  /** A request whose answer is text (CSV), not JSON. */
  protected async text(path: string): Promise<string> {
    const attempt = async (fresh: boolean) => {
      const fetchFn = this.fetchFn ?? globalThis.fetch;
      const res = await fetchFn(`${this.url.replace(/\/+$/, '')}${path}`, {
        headers: { authorization: `Bearer ${await this.token(fresh)}` },
      });
      const body = await res.text();
      if (res.ok) return { status: res.status, body };
      throw apiErrorOf(res.status, body);
    };
    try {
      return (await attempt(false)).body;
    } catch (err) {
      if (!(err instanceof NotifydApiError) || err.status !== 401) throw err;
      return (await attempt(true)).body;
    }
  }

  private client(token: string): NotifydClient {
    return new NotifydClient({
      url: this.url,
      key: token,
      ...(this.fetchFn ? { fetch: this.fetchFn } : {}),
    });
  }
}

/** A query string from filters: `metadata: {k: v}` becomes `metadata.k=v`. */
export function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (k === 'metadata' && v && typeof v === 'object') {
      for (const [mk, mv] of Object.entries(v)) params.set(`metadata.${mk}`, String(mv));
    } else {
      params.set(k, String(v));
    }
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}
