import {
  createClient,
  type Notification,
  type NotifydRealtimeClient,
  type UnreadSummary,
} from '../client/index.js';

/** How the inbox hears of changes: the WebSocket, Server-Sent Events, or the first that works. */
export type TransportMode = 'auto' | 'websocket' | 'sse';

/** Where the live connection is. */
export type LiveStatus = 'connecting' | 'open' | 'offline' | 'unauthorized';

/** What the live connection tells the inbox. */
export interface LiveListener {
  notification(n: Notification): void;
  /** The server's unread counts; `null` when they must be asked for (SSE, after an arrival). */
  counts(summary: UnreadSummary | null): void;
  read(ids: string[]): void;
  /** Everything was read (another session's read-all), or everything of `category`. */
  readAll(category: string | null): void;
  removed(ids: string[]): void;
  /** Everything was dismissed (a dismiss-all), or everything of `category`. */
  removedAll(category: string | null): void;
  updated(n: Notification): void;
  status(status: LiveStatus, transport: 'websocket' | 'sse'): void;
}

/**
 * The inbox's live connection: the notifyd client over a WebSocket, or an EventSource on
 * /api/v1/sse when the WebSocket never opens (a proxy that blocks upgrades) or when asked.
 */
export class Live {
  private client: NotifydRealtimeClient | null = null;
  private source: EventSource | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly server: string,
    private readonly token: () => Promise<string>,
    private readonly mode: TransportMode,
    private readonly on: LiveListener,
  ) {}

  start(): void {
    if (this.mode === 'sse' || typeof WebSocket === 'undefined') this.startSse();
    else this.startWebSocket();
  }

  stop(): void {
    this.stopped = true;
    this.client?.close();
    this.client = null;
    this.source?.close();
    this.source = null;
    if (this.retry) clearTimeout(this.retry);
  }

  private startWebSocket(): void {
    const client = createClient({ url: this.server, token: () => this.token() });
    this.client = client;
    let opened = false;
    client.on('notification', (n) => this.on.notification(n));
    client.on('unread_change', (s) => this.on.counts(s));
    client.on('read_status_updated', (u) =>
      u.all ? this.on.readAll(u.category) : this.on.read(u.notification_ids),
    );
    client.on('notifications_dismissed', (u) =>
      u.all ? this.on.removedAll(u.category) : this.on.removed(u.notification_ids),
    );
    client.on('notification_deleted', (u) => this.on.removed([u.notification_id]));
    client.on('notification_updated', (n) => this.on.updated(n));
    client.on('status', ({ status }) => {
      if (this.stopped) return;
      if (status === 'open') {
        opened = true;
        this.on.status('open', 'websocket');
      } else if (status === 'reconnecting') {
        if (!opened && this.mode === 'auto') {
          // Never opened: WebSockets do not get through here; events do.
          client.close();
          this.client = null;
          this.startSse();
          return;
        }
        this.on.status('offline', 'websocket');
      } else if (status === 'closed') {
        this.on.status('unauthorized', 'websocket');
      }
    });
    this.on.status('connecting', 'websocket');
    void client.connect();
  }

  private async startSse(): Promise<void> {
    this.on.status('connecting', 'sse');
    let token: string;
    try {
      token = await this.token();
    } catch {
      return this.scheduleSse();
    }
    if (this.stopped) return;
    const url = new URL('/api/v1/sse', this.server);
    url.searchParams.set('token', token);
    const source = new EventSource(url);
    this.source = source;
    const parse = (e: Event) => JSON.parse((e as MessageEvent<string>).data);
    source.addEventListener('open', () => this.on.status('open', 'sse'));
    source.addEventListener('notification', (e) => {
      this.on.notification(parse(e));
      this.on.counts(null);
    });
    source.addEventListener('unread_count', (e) => this.on.counts(parse(e)));
    source.addEventListener('read_status_updated', (e) => {
      const data = parse(e);
      if (data.all) this.on.readAll(data.category ?? null);
      else this.on.read(data.notification_ids);
      this.on.counts(data);
    });
    source.addEventListener('notifications_dismissed', (e) => {
      const data = parse(e);
      if (data.all) this.on.removedAll(data.category ?? null);
      else this.on.removed(data.notification_ids);
      this.on.counts(data);
    });
    source.addEventListener('notification_deleted', (e) => {
      const data = parse(e);
      this.on.removed([data.notification_id]);
      this.on.counts(data);
    });
    source.addEventListener('notification_updated', (e) => this.on.updated(parse(e)));
    source.addEventListener('error', () => {
      if (this.stopped) return;
      this.on.status('offline', 'sse');
      // EventSource retries by itself unless the server refused (a closed source): then the
      // token may have expired, so a new one is asked for.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        this.scheduleSse();
      }
    });
  }

  private scheduleSse(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.startSse(), 3000);
  }
}
