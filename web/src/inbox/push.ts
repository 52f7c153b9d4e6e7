import type { AccountApi } from '../client/index.js';
import { h } from '../shared/dom.js';
import type { InboxStrings } from './strings.js';

/** What the opt-in needs from the element, asked for at each use (attributes may change). */
export interface PushContext {
  api: AccountApi | null;
  strings: InboxStrings;
  server: string;
  /** The `service-worker` attribute: the worker to register, on the page's origin. */
  worker: string | null;
}

type PushState = 'unsupported' | 'unavailable' | 'denied' | 'off' | 'on';

/** base64url text → the bytes `applicationServerKey` takes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const text = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

/** Resolves when the registration has an active worker (subscribing needs one). */
function activated(reg: ServiceWorkerRegistration): Promise<void> {
  if (reg.active) return Promise.resolve();
  const worker = reg.installing ?? reg.waiting;
  return new Promise((resolve, reject) => {
    if (!worker) return reject(new Error('no service worker'));
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated') resolve();
      else if (worker.state === 'redundant') reject(new Error('the service worker failed'));
    });
  });
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Web push for this browser, in the preferences panel: asks permission, registers the
 * service worker notifyd serves (`/ui/push-sw.js`, or the host's own from `service-worker`),
 * subscribes with the server's VAPID key and registers the device (`POST /me/devices`);
 * turning it off unsubscribes and removes the device.
 */
export class PushOptIn {
  readonly el: HTMLFieldSetElement;
  private readonly text: HTMLParagraphElement;
  private readonly button: HTMLButtonElement;
  private state: PushState = 'off';
  private busy = false;

  constructor(private readonly context: () => PushContext) {
    this.text = h('p', { class: 'push-state', role: 'status' });
    this.button = h('button', { type: 'button', class: 'save push-toggle', part: 'push' });
    this.button.addEventListener('click', () => void this.toggle());
    this.el = h('fieldset', { class: 'push' }, h('legend'), this.text, this.button);
  }

  /** The worker's URL, or null when this page cannot register one (another origin). */
  private workerUrl(): string | null {
    const { worker, server } = this.context();
    if (worker) return new URL(worker, location.href).href;
    const url = new URL('/ui/push-sw.js', server);
    return url.origin === location.origin ? url.href : null;
  }

  private async registration(): Promise<ServiceWorkerRegistration | undefined> {
    const url = this.workerUrl();
    const all = await navigator.serviceWorker.getRegistrations();
    return all.find((r) => (r.active ?? r.waiting ?? r.installing)?.scriptURL === url);
  }

  /** Finds out whether this browser is subscribed, and draws. */
  async refresh(): Promise<void> {
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
      this.state = 'unsupported';
    } else if (!this.workerUrl()) {
      this.state = 'unavailable';
    } else if (Notification.permission === 'denied') {
      this.state = 'denied';
    } else {
      const sub = await (await this.registration())?.pushManager.getSubscription();
      this.state = sub ? 'on' : 'off';
    }
    this.draw();
  }

  /** Draws the state in the current language. */
  draw(message?: string): void {
    const t = this.context().strings;
    this.el.querySelector('legend')!.textContent = t.push.title;
    this.text.textContent = message ?? t.push[this.state];
    this.button.textContent = this.state === 'on' ? t.push.turnOff : t.push.turnOn;
    this.button.hidden = this.state !== 'on' && this.state !== 'off';
    this.button.disabled = this.busy;
    this.el.dataset.state = this.state;
  }

  private async toggle(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.draw(this.context().strings.push.working);
    try {
      if (this.state === 'on') await this.disable();
      else await this.enable();
      this.busy = false;
      this.draw();
    } catch (err) {
      this.busy = false;
      this.draw(this.context().strings.push.failed(reasonOf(err)));
    }
  }

  private async enable(): Promise<void> {
    const { api, server } = this.context();
    const url = this.workerUrl();
    if (!api || !url) return;
    if ((await Notification.requestPermission()) !== 'granted') {
      this.state = 'denied';
      return;
    }
    const reg = await navigator.serviceWorker.register(url);
    await activated(reg);
    const res = await fetch(new URL('/api/v1/push/vapid-public-key', server));
    const answer = (await res.json()) as { public_key?: string; error?: { message: string } };
    if (!res.ok || !answer.public_key)
      throw new Error(answer.error?.message ?? `HTTP ${res.status}`);
    const subscription =
      (await reg.pushManager.getSubscription()) ??
      (await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(answer.public_key),
      }));
    const { endpoint, keys } = subscription.toJSON();
    if (!endpoint || !keys?.p256dh || !keys.auth) throw new Error('incomplete subscription');
    await api.registerDevice({
      kind: 'webpush',
      endpoint,
      keys: { p256dh: keys.p256dh, auth: keys.auth },
    });
    this.state = 'on';
  }

  private async disable(): Promise<void> {
    const { api } = this.context();
    const subscription = await (await this.registration())?.pushManager.getSubscription();
    if (subscription) {
      const endpoint = subscription.endpoint;
      await subscription.unsubscribe();
      const device = api ? (await api.devices()).find((d) => d.endpoint === endpoint) : undefined;
      if (api && device) await api.unregisterDevice(device.id);
    }
    this.state = 'off';
  }
}
