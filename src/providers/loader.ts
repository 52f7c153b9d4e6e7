/**
 * Loads the configured providers: each entry's plugin from the package's own `plugins/`
 * folder (built-ins), else by package name, else by path; its options with `${NAME}`
 * references read from the environment, checked against the plugin's schema (defaults
 * applied), then the provider created. Anything wrong stops start-up with one message that
 * names the provider, the plugin and the bad option.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type {
  ProviderEntry,
  ProviderRateLimit,
  ProviderSection,
  ProvidersConfig,
} from './options.js';
import { PROVIDER_SECTIONS } from './options.js';
import type { Provider, ProviderLinks, ProviderPlugin } from './plugin.js';

/** A provider ready to send: its plugin, options and place in its channel's order. */
export interface LoadedProvider {
  name: string;
  channel: string;
  /** What the configuration named (`webpush`, `@acme/x`, `./my-plugin.js`). */
  plugin: string;
  /** Where it was loaded from: `builtin`, `package` or `path`. */
  source: 'builtin' | 'package' | 'path';
  priority: number;
  /** null: `delivery.timeout_ms`. */
  timeout_ms: number | null;
  /** Most sends in flight to it from this node; null: no limit of its own. */
  concurrency: number | null;
  /** Its sends per window over every node; null: none. */
  rate_limit: ProviderRateLimit | null;
  /** The validated options (defaults applied), secrets included: never print these. */
  options: Record<string, unknown>;
  /** Option names the plugin says are secret. */
  secrets: readonly string[];
  /** Push: the device kinds it reaches; null: every kind. */
  devices: readonly string[] | null;
  instance: Provider;
}

/** A provider that could not be loaded or configured; start-up stops with its message. */
export class ProviderLoadError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    /** The bad option's path (`options.port`, `plugin`, `channel`), when one is to blame. */
    readonly field: string | null = null,
    /** The reason alone, without the provider's name and place. */
    readonly reason: string = message,
  ) {
    super(message);
    this.name = 'ProviderLoadError';
  }
}

export interface LoaderDeps {
  logger: Logger;
  clock: Clock;
  /** Aborted when the daemon stops. */
  signal: AbortSignal;
  /** Resolves relative plugin paths and package names. Default: process.cwd(). */
  cwd?: string;
  /** Where `${NAME}` references are read. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** The built-ins' folder. Default: the package's `plugins/` (`dist/plugins/` when built). */
  builtinsDir?: string;
  /** Links to notifyd handed to every plugin. */
  links?: ProviderLinks;
}

/** One provider to load, whichever way it was declared (a channel's list, the flat list, the API). */
export interface ProviderSpec {
  name?: string | undefined;
  plugin: string;
  /** The channel asked for; undefined: the plugin's own (a `providers.custom` entry). */
  channel?: string | undefined;
  /** The per-channel list it is in, whose channel it must serve. */
  section?: ProviderSection;
  priority: number;
  timeout_ms?: number | undefined;
  concurrency?: number | undefined;
  rate_limit?: ProviderRateLimit | undefined;
  options: Record<string, unknown>;
  /** Where it was declared, for messages: `providers.sms[0]`, `PUT /providers/x`. */
  where: string;
  /** Read `${NAME}` references from the environment (configuration only, never the API). */
  expandEnv: boolean;
}

/** The package's built-in plugins folder, next to `src/` (or `dist/src/`). */
export function defaultBuiltinsDir(): string {
  return fileURLToPath(new URL('../../plugins/', import.meta.url));
}

/** The configured providers as specs, in the order they are listed. */
export function configSpecs(config: ProvidersConfig): ProviderSpec[] {
  return PROVIDER_SECTIONS.flatMap((section) =>
    config[section].map(
      (entry: ProviderEntry, i): ProviderSpec => ({
        name: entry.name,
        plugin: entry.plugin,
        channel: section === 'custom' ? entry.channel : section,
        section,
        priority: entry.priority ?? i,
        timeout_ms: entry.timeout_ms,
        concurrency: entry.concurrency,
        rate_limit: entry.rate_limit,
        options: entry.options ?? {},
        where: `providers.${section}[${i}]`,
        expandEnv: true,
      }),
    ),
  );
}

/** The channels the built-in console serves when the configuration names no provider at all. */
const FALLBACK_CHANNELS = ['push', 'sms', 'email', 'webhook'] as const;

/**
 * The built-in console for every channel (it only logs), last in priority: what serves a
 * configuration that names no provider (`delivery.console_fallback`), so that a fresh install
 * shows every channel working and a provider added later through the API goes first.
 */
export function loadConsoleFallback(deps: LoaderDeps): Promise<LoadedProvider[]> {
  return Promise.all(
    FALLBACK_CHANNELS.map((channel) =>
      loadProvider(
        {
          name: `console-${channel}`,
          plugin: 'console',
          channel,
          section: channel,
          priority: 1000,
          options: {},
          where: 'delivery.console_fallback',
          expandEnv: false,
        },
        deps,
      ),
    ),
  );
}

/** Loads every configured provider in order; on the first failure, closes those made and throws. */
export async function loadProviders(
  config: ProvidersConfig,
  deps: LoaderDeps,
): Promise<LoadedProvider[]> {
  const loaded: LoadedProvider[] = [];
  try {
    for (const spec of configSpecs(config)) loaded.push(await loadProvider(spec, deps));
  } catch (err) {
    await Promise.allSettled(loaded.map((p) => p.instance.close?.()));
    throw err;
  }
  const names = new Set<string>();
  for (const p of loaded) {
    if (names.has(p.name)) {
      await Promise.allSettled(loaded.map((l) => l.instance.close?.()));
      throw new ProviderLoadError(
        p.name,
        `provider "${p.name}": two providers have this name; set a distinct \`name\` on each`,
        'name',
      );
    }
    names.add(p.name);
  }
  return loaded;
}

/** Loads one provider: its plugin, its options checked (defaults applied), then created. */
export async function loadProvider(spec: ProviderSpec, deps: LoaderDeps): Promise<LoadedProvider> {
  const label = spec.name ?? spec.plugin;
  const fail = (reason: string, field: string | null = null): never => {
    throw new ProviderLoadError(
      label,
      `provider "${label}" (${spec.where}, plugin ${spec.plugin}): ${reason}`,
      field,
      reason,
    );
  };
  const { plugin, source } = await importPlugin(spec.plugin, deps).catch((err: unknown) =>
    fail(`cannot be loaded: ${err instanceof Error ? err.message : String(err)}`, 'plugin'),
  );
  if (!isPlugin(plugin)) {
    return fail(
      'the module’s default export is not a plugin made with definePlugin (name, channel, options, create)',
      'plugin',
    );
  }
  const name = spec.name ?? plugin.name;
  const channel = channelOf(spec, plugin.channel, fail);
  const env = deps.env ?? process.env;
  const given = spec.expandEnv
    ? (expandEnv(spec.options, env, (ref) =>
        fail(`options refer to the environment variable ${ref}, which is not set`),
      ) as Record<string, unknown>)
    : spec.options;
  const checked = checkPluginOptions(plugin, given);
  if ('reason' in checked) return fail(checked.reason, checked.field);
  const { options } = checked;
  let instance: Provider;
  try {
    instance = await plugin.create(options, {
      name,
      logger: deps.logger.child({ provider: name }),
      clock: deps.clock,
      signal: deps.signal,
      ...(deps.links ? { links: deps.links } : {}),
    });
  } catch (err) {
    return fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`, 'options');
  }
  return {
    name,
    channel,
    plugin: spec.plugin,
    source,
    priority: spec.priority,
    timeout_ms: spec.timeout_ms ?? null,
    concurrency: spec.concurrency ?? null,
    rate_limit: spec.rate_limit ?? null,
    options,
    secrets: plugin.secrets ?? [],
    devices: plugin.devices ?? null,
    instance,
  };
}

/** The channel a provider serves: the plugin's own, or for a plugin of any channel, the one asked. */
function channelOf(
  spec: ProviderSpec,
  own: string,
  fail: (reason: string, field: string) => never,
): string {
  const { section } = spec;
  const listed = (c: string) => (PROVIDER_SECTIONS.includes(c as ProviderSection) ? c : 'custom');
  if (section && section !== 'custom' && own !== '*' && own !== section) {
    return fail(
      `the plugin serves the ${own} channel, not ${section}; list it under providers.${listed(own)}`,
      'channel',
    );
  }
  if (section === 'custom' && PROVIDER_SECTIONS.includes(own as ProviderSection)) {
    return fail(`the plugin serves the ${own} channel; list it under providers.${own}`, 'channel');
  }
  if (own === '*') {
    return (
      spec.channel ??
      fail('the plugin serves whichever channel it is given: set `channel`', 'channel')
    );
  }
  if (spec.channel !== undefined && spec.channel !== own) {
    return fail(`the plugin serves the ${own} channel, not ${spec.channel}`, 'channel');
  }
  return own;
}

/**
 * A plugin's options checked against its schema, defaults filled in (on a copy): the options,
 * or the first problem with the option's path (`options.port`).
 */
export function checkPluginOptions(
  plugin: ProviderPlugin<Record<string, unknown>>,
  given: Record<string, unknown>,
): { options: Record<string, unknown> } | { reason: string; field: string } {
  const options = structuredClone(given);
  let validate: ReturnType<Ajv['compile']>;
  try {
    validate = optionsAjv.compile(plugin.options);
  } catch (err) {
    return {
      reason: `the plugin’s options schema is not valid: ${(err as Error).message}`,
      field: 'plugin',
    };
  }
  if (validate(options)) return { options };
  const e = (validate.errors ?? [])[0] as ErrorObject;
  const extra =
    e.keyword === 'additionalProperties'
      ? `.${(e.params as { additionalProperty: string }).additionalProperty}`
      : '';
  const at = `options${e.instancePath.replaceAll('/', '.')}${extra}`;
  const reason =
    e.keyword === 'additionalProperties' ? 'is not an option of this plugin' : e.message;
  const missing =
    e.keyword === 'required' ? `.${(e.params as { missingProperty: string }).missingProperty}` : '';
  return { reason: `${at} ${reason}`, field: `${at}${missing}` };
}

/** Checks plugins' options (TypeBox schemas are JSON schemas), filling in their defaults. */
const optionsAjv = new Ajv({ useDefaults: true, strict: false, allErrors: false });

/** A built-in's folder name: letters, digits, `-` and `_` only. */
const BUILTIN_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Built-in first, then a path (`./x.js`, `/abs/x.js`), then a package from the working directory. */
async function importPlugin(
  spec: string,
  deps: LoaderDeps,
): Promise<{ plugin: unknown; source: LoadedProvider['source'] }> {
  const cwd = deps.cwd ?? process.cwd();
  if (BUILTIN_NAME.test(spec)) {
    const dir = resolve(deps.builtinsDir ?? defaultBuiltinsDir(), spec);
    const file = ['index.js', 'index.ts'].map((f) => resolve(dir, f)).find((f) => existsSync(f));
    if (file)
      return { plugin: defaultExport(await import(pathToFileURL(file).href)), source: 'builtin' };
  }
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const file = resolve(cwd, spec);
    if (!existsSync(file)) throw new Error(`no file ${file}`);
    return { plugin: defaultExport(await import(pathToFileURL(file).href)), source: 'path' };
  }
  let resolved: string;
  try {
    resolved = createRequire(resolve(cwd, 'package.json')).resolve(spec);
  } catch {
    throw new Error(`no built-in plugin and no package named "${spec}" (from ${cwd})`);
  }
  return { plugin: defaultExport(await import(pathToFileURL(resolved).href)), source: 'package' };
}

function defaultExport(mod: Record<string, unknown>): unknown {
  return 'default' in mod ? mod.default : mod;
}

function isPlugin(value: unknown): value is ProviderPlugin<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.name === 'string' &&
    typeof p.channel === 'string' &&
    typeof p.options === 'object' &&
    p.options !== null &&
    typeof p.create === 'function'
  );
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** A copy with every string `${NAME}` replaced by the environment variable NAME. */
export function expandEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  missing: (name: string) => never,
): unknown {
  if (typeof value === 'string') {
    const ref = ENV_REF.exec(value);
    if (!ref) return value;
    const found = env[ref[1]];
    return found === undefined ? missing(ref[1]) : found;
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env, missing));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, missing)]),
    );
  }
  return value;
}
