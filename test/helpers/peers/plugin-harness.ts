import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Value } from '@sinclair/typebox/value';
import type { Test } from 'tap';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger } from '../../../src/core/logger.js';
import type { Device, Subscriber } from '../../../src/notifications/ports.js';
import type {
  Provider,
  ProviderContext,
  ProviderMessage,
  ProviderPlugin,
} from '../../../src/providers/plugin.js';

const tlsFile = (name: string) => readFileSync(new URL(`./tls/${name}`, import.meta.url), 'utf8');

/**
 * The test PKI: a CA and a server certificate for localhost, 127.0.0.1 and the hosts the
 * peers stand in for (fcm.googleapis.com, oauth2.googleapis.com, api[.sandbox].push.apple.com).
 */
export const TEST_CA = tlsFile('ca.pem');
export const SERVER_CERT = tlsFile('server.pem');
export const SERVER_KEY = tlsFile('server-key.pem');

/** A provider context whose logger writes JSON lines into `lines`. */
export function makeContext(name: string): {
  ctx: ProviderContext;
  lines: Array<Record<string, unknown>>;
  clock: FakeClock;
  abort: AbortController;
} {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        // A key written twice (a plugin binding what the loader bound) is lost to JSON.parse.
        if ((line.match(/"provider":/g) ?? []).length > 1) {
          throw new Error(`"provider" twice in one log line: ${line}`);
        }
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  const clock = new FakeClock(Date.now());
  const abort = new AbortController();
  // Bound to the provider's name, as the loader gives it (src/providers/loader.ts).
  const logger = createLogger({ level: 'debug', destination }).child({ provider: name });
  return { ctx: { name, logger, clock, signal: abort.signal }, lines, clock, abort };
}

/** The plugin's options as the loader would give them: defaults applied, then checked. */
export function loadOptions<O>(plugin: ProviderPlugin<O, string>, raw: unknown): O {
  const value = Value.Default(plugin.options, structuredClone(raw));
  if (!Value.Check(plugin.options, value)) {
    const first = [...Value.Errors(plugin.options, value)][0];
    throw new Error(`${plugin.name}: ${first?.path} ${first?.message}`);
  }
  return value as O;
}

/** Creates a provider from raw options, closed when the test ends. */
export async function startProvider<O, C extends string>(
  t: Test,
  plugin: ProviderPlugin<O, C>,
  raw: unknown,
  name = plugin.name,
) {
  const context = makeContext(name);
  const provider: Provider<C> = await plugin.create(
    loadOptions(plugin as ProviderPlugin<O, string>, raw),
    context.ctx,
  );
  t.teardown(() => provider.close?.());
  return { provider, ...context };
}

export const subscriber = (over: Partial<Subscriber> = {}): Subscriber => ({
  id: 'user-1',
  tenant_id: 'default',
  email: 'ada@example.com',
  phone: '+15005550006',
  locale: 'en',
  timezone: 'Europe/Paris',
  name: 'Ada',
  avatar_url: null,
  data: null,
  created_at: 0,
  updated_at: 0,
  ...over,
});

export const device = (over: Partial<Device>): Device => ({
  id: 'dev_1',
  tenant_id: 'default',
  subscriber_id: 'user-1',
  kind: 'webpush',
  endpoint: null,
  keys: null,
  token: null,
  active: true,
  last_used_at: null,
  failure_count: 0,
  created_at: 0,
  updated_at: 0,
  ...over,
});

/** One delivery of `channel` with `content`, as the worker hands it to a provider. */
export function message<C extends string>(
  channel: C,
  content: ProviderMessage<C>['content'],
  over: Partial<ProviderMessage<C>> = {},
): ProviderMessage<C> {
  return {
    delivery_id: 'dlv_01',
    notification_id: 'ntf_01',
    tenant_id: 'default',
    channel,
    recipient: subscriber(),
    device: null,
    content,
    attempt: 1,
    priority: 'normal',
    ttl_seconds: null,
    ...over,
  };
}
