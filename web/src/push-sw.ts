/**
 * The service worker the inbox registers for web push, served at `/ui/push-sw.js`: it shows
 * what notifyd's `webpush` provider sends (`{title, body, icon, image, url, data,
 * notification_id}`, see docs/push.md) and opens its URL when clicked. A page on another
 * origin serves its own worker with one line: `importScripts('https://notifyd…/ui/push-sw.js')`.
 * A classic script (no import or export): `importScripts` can load it.
 */
{
  /** What of the service worker scope this file uses (the DOM library does not declare it). */
  interface WorkerScope {
    registration: {
      showNotification(title: string, options: Record<string, unknown>): Promise<void>;
    };
    clients: {
      matchAll(options: object): Promise<Array<{ url: string; focus(): Promise<unknown> }>>;
      openWindow(url: string): Promise<unknown>;
    };
    location: Location;
    addEventListener(type: string, listener: (event: WorkerEvent) => void): void;
  }
  interface WorkerEvent {
    data?: { json(): unknown; text(): string } | null;
    notification?: { close(): void; data?: { url?: string } };
    waitUntil(promise: Promise<unknown>): void;
  }
  interface PushMessage {
    title?: string;
    body?: string;
    icon?: string;
    image?: string;
    url?: string;
    data?: unknown;
    notification_id?: string;
  }

  const worker = self as unknown as WorkerScope;

  worker.addEventListener('push', (event) => {
    let msg: PushMessage = {};
    try {
      msg = (event.data?.json() ?? {}) as PushMessage;
    } catch {
      msg = { title: event.data?.text() ?? '' };
    }
    event.waitUntil(
      worker.registration.showNotification(msg.title || 'Notification', {
        body: msg.body ?? '',
        ...(msg.icon ? { icon: msg.icon } : {}),
        ...(msg.image ? { image: msg.image } : {}),
        // Delivery is at least once: the same tag shows a notification sent twice only once.
        ...(msg.notification_id ? { tag: msg.notification_id } : {}),
        data: { url: msg.url ?? '/', notification_id: msg.notification_id, extra: msg.data },
      }),
    );
  });

  worker.addEventListener('notificationclick', (event) => {
    event.notification?.close();
    const target = new URL(event.notification?.data?.url ?? '/', worker.location.origin);
    // Only web pages: a `javascript:` URL from a payload must not run.
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return;
    event.waitUntil(
      (async () => {
        const open = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
        const same = open.find((c) => c.url === target.href);
        return same ? same.focus() : worker.clients.openWindow(target.href);
      })(),
    );
  });
}
