/**
 * Loads the configuration: defaults from OPTIONS, then the YAML file, then the environment,
 * then overrides; validates it all and returns it frozen. Nothing should start on an error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { providersFromList } from '../providers/options.js';
import { crossFieldIssues } from './checks.js';
import { readEnv } from './env.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import {
  deepFreeze,
  defaultTree,
  getPath,
  isTree,
  SECTION_PATHS,
  setPath,
  showValue,
  type Tree,
} from './option-tree.js';
import { type Config, OPTIONS } from './options.js';
import { schemaIssues } from './schema.js';

/** Every level optional: what a test overrides. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

/** Where to load from; everything is optional. */
export interface LoadOptions {
  /** A YAML file; relative to `cwd`. Default: NOTIFYD_CONFIG, else ./notifyd.yaml if present. */
  file?: string;
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Resolves the file and relative paths in options. Default: process.cwd(). */
  cwd?: string;
  /** Applied last, for tests. */
  overrides?: DeepPartial<Config>;
}

/** The file loadConfig would read, as an absolute path, or undefined for none. */
export function findConfigFile(opts: LoadOptions = {}): string | undefined {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const named = opts.file || env.NOTIFYD_CONFIG;
  if (named) return resolve(cwd, named);
  const local = resolve(cwd, 'notifyd.yaml');
  return existsSync(local) ? local : undefined;
}

/** Loads, validates and freezes the configuration; throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(opts);
  const source = file ?? 'defaults + environment';
  const tree = defaultTree();
  const early: ConfigIssue[] = [];
  if (file) mergeInto(tree, flatForms(readConfigFile(file), early));

  const env = readEnv(opts.env ?? process.env);
  const sources = env.sources;
  mergeInto(tree, env.tree);
  const overrides = flatForms((opts.overrides ?? {}) as Tree, early);
  for (const path of mergeInto(tree, overrides)) sources.delete(path);
  const label = (path: string) => {
    const name = sources.get(path);
    return name ? `${name} (${path})` : path;
  };

  if (early.length > 0) throw new ConfigError([...early, ...env.issues], source);
  const issues: ConfigIssue[] = [...env.issues, ...schemaIssues(tree, label)];
  if (issues.length === 0) issues.push(...crossFieldIssues(tree as unknown as Config, label));
  if (issues.length > 0) throw new ConfigError(issues, source);
  resolveFilePaths(tree, cwd);
  return deepFreeze(tree as unknown as Config);
}

/**
 * A layer with the short forms some sections accept spelled out: `providers:` as one flat
 * list (`[{use, channel, …}]`) becomes the per-channel lists.
 */
function flatForms(layer: Tree, issues: ConfigIssue[]): Tree {
  if (!Array.isArray(layer.providers)) return layer;
  const lists = providersFromList(layer.providers, (key, value, reason) =>
    issues.push({ key, value: showValue(key, value), reason }),
  );
  return { ...layer, providers: (lists ?? {}) as Tree };
}

/** Reads and parses a YAML file; a missing file or a syntax error is a ConfigError. */
export function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? err})`;
    throw new ConfigError([{ key: file, value: '', reason }], file);
  }
  // Without pretty errors the message carries no excerpt of the file, which may hold secrets.
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const before = text.slice(0, e.pos[0]).split('\n');
      const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
      return { key: file, value: '', reason: `YAML syntax error at ${where}: ${e.message}` };
    });
    throw new ConfigError(issues, file);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return {};
  if (!isTree(data)) {
    const reason = 'must be a mapping of options (e.g. "server:" with "port: 8080" under it)';
    throw new ConfigError([{ key: file, value: '', reason }], file);
  }
  return data;
}

/**
 * Deep-merges `layer` into `tree`; returns the paths it set. An empty section (`auth:` with
 * every line under it commented out) is null in YAML and means "nothing to change".
 */
function mergeInto(tree: Tree, layer: Tree, prefix = ''): string[] {
  const set: string[] = [];
  for (const [key, value] of Object.entries(layer)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value === null && SECTION_PATHS.has(path)) continue;
    if (isTree(value) && isTree(tree[key])) {
      set.push(...mergeInto(tree[key] as Tree, value, path));
    } else {
      tree[key] = Array.isArray(value) ? [...value] : value;
      set.push(path);
    }
  }
  return set;
}

/** Relative file paths are relative to the working directory, not to the config file. */
function resolveFilePaths(tree: Tree, cwd: string): void {
  for (const o of OPTIONS) {
    const value = getPath(tree, o.path);
    if (!o.file || typeof value !== 'string' || value === '' || value === ':memory:') continue;
    if (value.includes('-----BEGIN') || isAbsolute(value)) continue;
    setPath(tree, o.path, resolve(cwd, value));
  }
}
