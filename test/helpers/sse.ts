/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id?: string;
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
  data: any;
}

export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** The first event of this type not yet returned, waiting for it if needed. */
  next(event: string, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
  /** The error body when the server refused the stream. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  body?: any;
}

/** Opens an event stream with fetch and parses it as an EventSource would. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const consumed = new Set<SseEvent>();
  const waiters: Array<{ event: string; resolve: (e: SseEvent) => void }> = [];
  const client: SseClient = {
    status: res.status,
    headers: res.headers,
    events,
    ended: Promise.resolve(),
    close: () => abort.abort(),
    next(event, timeoutMs = 5000) {
      const already = events.find((e) => e.event === event && !consumed.has(e));
      if (already) {
        consumed.add(already);
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${event} event in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          event,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    client.body = await res.json();
    return client;
  }
  const dispatch = (block: string) => {
    const e: { id?: string; event: string; data: string[] } = { event: 'message', data: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') e.data.push(value);
    }
    if (e.data.length === 0) return;
    const event: SseEvent = { event: e.event, data: JSON.parse(e.data.join('\n')) };
    if (e.id !== undefined) event.id = e.id;
    events.push(event);
    const i = waiters.findIndex((w) => w.event === event.event);
    if (i >= 0) {
      consumed.add(event);
      waiters.splice(i, 1)[0]!.resolve(event);
    }
  };
  client.ended = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          dispatch(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return client;
}
