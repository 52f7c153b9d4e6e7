/** The admin API as the console calls it: the key from session storage, JSON in and out. */

const KEY = 'notifyd-console-key';

/** An answer that was not 2xx, with the server's error envelope when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The envelope's `details` (e.g. a template error's channel, field, line, column). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set key(value: string | null) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
};

/** Calls the API with the signed-in key; resolves to the parsed answer (null when empty). */
export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  key = session.key,
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${key ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const e = (
      parsed as { error?: { code: string; message: string; details?: Record<string, unknown> } }
    )?.error;
    throw new ApiError(
      res.status,
      e?.code ?? 'HTTP_ERROR',
      e?.message ?? `HTTP ${res.status}`,
      e?.details ?? {},
    );
  }
  return parsed as T;
}

/** What to show for a failure: the server's code and message. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return (err as Error).message ?? String(err);
}

/** Downloads a file the API serves (the key goes in a header, so no plain link will do). */
export async function download(path: string): Promise<void> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${session.key ?? ''}` } });
  if (!res.ok) throw new ApiError(res.status, 'HTTP_ERROR', `HTTP ${res.status}`);
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
