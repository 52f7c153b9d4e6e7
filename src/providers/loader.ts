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
import type { ProviderEntry, ProviderSection, ProvidersConfig } from './options.js';
import { PROVIDER_SECTIONS } from './options.js';
import type { Provider, ProviderPlugin } from './plugin.js';

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
}

/** The package's built-in plugins folder, next to `src/` (or `dist/src/`). */
export function defaultBuiltinsDir(): string {
  return fileURLToPath(new URL('../../plugins/', import.meta.url));
}

/** Loads every configured provider in order; on the first failure, closes those made and throws. */
export async function loadProviders(
  config: ProvidersConfig,
  deps: LoaderDeps,
): Promise<LoadedProvider[]> {
  const loaded: LoadedProvider[] = [];
  try {
    for (const section of PROVIDER_SECTIONS) {
      const entries = config[section];
      for (let i = 0; i < entries.length; i++) {
        loaded.push(await loadOne(section, i, entries[i], deps));
      }
    }
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
      );
    }
    names.add(p.name);
  }
  return loaded;
}

async function loadOne(
  section: ProviderSection,
  index: number,
  entry: ProviderEntry,
  deps: LoaderDeps,
): Promise<LoadedProvider> {
  const where = `providers.${section}[${index}]`;
  const label = entry.name ?? entry.plugin;
  const fail = (reason: string): never => {
    throw new ProviderLoadError(
      label,
      `provider "${label}" (${where}, plugin ${entry.plugin}): ${reason}`,
    );
  };
  const { plugin, source } = await importPlugin(entry.plugin, deps).catch((err: unknown) =>
    fail(`cannot be loaded: ${err instanceof Error ? err.message : String(err)}`),
  );
  if (!isPlugin(plugin)) {
    return fail(
      'the module’s default export is not a plugin made with definePlugin (name, channel, options, create)',
    );
  }
  const name = entry.name ?? plugin.name;
  if (section !== 'custom' && plugin.channel !== '*' && plugin.channel !== section) {
    return fail(
      `the plugin serves the ${plugin.channel} channel, not ${section}; list it under providers.${PROVIDER_SECTIONS.includes(plugin.channel as ProviderSection) ? plugin.channel : 'custom'}`,
    );
  }
  if (section === 'custom' && PROVIDER_SECTIONS.includes(plugin.channel as ProviderSection)) {
    return fail(
      `the plugin serves the ${plugin.channel} channel; list it under providers.${plugin.channel}`,
    );
  }
  const env = deps.env ?? process.env;
  const raw = expandEnv(entry.options ?? {}, env, (ref) =>
    fail(`options refer to the environment variable ${ref}, which is not set`),
  ) as Record<string, unknown>;
  const options = structuredClone(raw);
  let validate: ReturnType<Ajv['compile']>;
  try {
    validate = optionsAjv.compile(plugin.options);
  } catch (err) {
    return fail(`the plugin’s options schema is not valid: ${(err as Error).message}`);
  }
  if (!validate(options)) {
    const e = (validate.errors ?? [])[0] as ErrorObject;
    const extra =
      e.keyword === 'additionalProperties'
        ? `.${(e.params as { additionalProperty: string }).additionalProperty}`
        : '';
    const reason =
      e.keyword === 'additionalProperties' ? 'is not an option of this plugin' : e.message;
    return fail(`options${e.instancePath.replaceAll('/', '.')}${extra} ${reason}`);
  }
  let instance: Provider;
  try {
    instance = await plugin.create(options, {
      name,
      logger: deps.logger.child({ provider: name }),
      clock: deps.clock,
      signal: deps.signal,
    });
  } catch (err) {
    return fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    name,
    channel: plugin.channel,
    plugin: entry.plugin,
    source,
    priority: entry.priority ?? index,
    timeout_ms: entry.timeout_ms ?? null,
    options,
    secrets: plugin.secrets ?? [],
    devices: plugin.devices ?? null,
    instance,
  };
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
