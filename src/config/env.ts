/**
 * Options from environment variables: `NOTIFYD_` + the path in upper case with `__`
 * between levels, each option's aliases (`PORT`, `JWT_SECRET`, ...), and DATABASE_URL.
 */
import { databaseUrlTarget } from '../store/database-url.js';
import type { ConfigIssue } from './errors.js';
import { MASK, setPath, showValue, type Tree } from './option-tree.js';
import { OPTIONS, type OptionSpec } from './options.js';
import { closest } from './suggest.js';

/** The environment variable generated from an option's path: `NOTIFYD_STORE__SQLITE__PATH`. */
export function envName(path: string): string {
  return `NOTIFYD_${path.toUpperCase().replaceAll('.', '__')}`;
}

/** Every environment variable that sets an option, strongest first. */
export function envNames(option: OptionSpec): string[] {
  return [envName(option.path), ...(option.env ?? [])];
}

/** What the environment contributes: a partial tree and which variable set each path. */
export interface EnvLayer {
  tree: Tree;
  /** Dotted path → the variable it came from, so errors can name the variable. */
  sources: Map<string, string>;
  issues: ConfigIssue[];
}

const BOOLEANS = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

/** Reads every option the environment sets; values are parsed strictly from text. */
export function readEnv(env: Record<string, string | undefined>): EnvLayer {
  const layer: EnvLayer = { tree: {}, sources: new Map(), issues: [] };
  for (const option of OPTIONS) {
    // An empty variable counts as unset, except for text, where it is the empty string.
    const name = envNames(option).find(
      (n) => env[n] !== undefined && (env[n] !== '' || option.type === 'string'),
    );
    if (name === undefined) continue;
    const text = env[name] as string;
    const parsed = parseEnvValue(option, text);
    if ('reason' in parsed) {
      const value = showValue(option.path, text);
      layer.issues.push({ key: `${name} (${option.path})`, value, reason: parsed.reason });
      continue;
    }
    setPath(layer.tree, option.path, parsed.value);
    layer.sources.set(option.path, name);
  }
  readDatabaseUrl(env, layer);
  rejectUnknownNames(env, layer);
  return layer;
}

type Parsed = { value: unknown } | { reason: string };

/** The typed value of a variable; range and enum checks are left to the schema. */
function parseEnvValue(option: OptionSpec, text: string): Parsed {
  const trimmed = text.trim();
  switch (option.type) {
    case 'integer': {
      const n = Number(trimmed);
      return /^[+-]?\d+$/.test(trimmed) && Number.isSafeInteger(n)
        ? { value: n }
        : { reason: 'must be an integer' };
    }
    case 'boolean': {
      const value = BOOLEANS.get(trimmed.toLowerCase());
      return value === undefined ? { reason: 'must be true or false (or 1/0, yes/no)' } : { value };
    }
    case 'enum':
      // Environment conventions vary in case (LOG_LEVEL=INFO); the YAML file is exact.
      return {
        value: option.values?.find((v) => v.toLowerCase() === trimmed.toLowerCase()) ?? text,
      };
    case 'list':
      return {
        value: text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case 'objects':
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { reason: 'must be a JSON list of mappings' };
      }
    default:
      return { value: text };
  }
}

/**
 * DATABASE_URL sets the SQLite file or the PostgreSQL URL, and selects that backend, unless
 * a more specific variable is set; `store/` says which it names.
 */
function readDatabaseUrl(env: Record<string, string | undefined>, layer: EnvLayer): void {
  const url = env.DATABASE_URL?.trim();
  if (!url) return;
  const target = databaseUrlTarget(url);
  if ('reason' in target) {
    const value = showDatabaseUrl(url);
    layer.issues.push({ key: 'DATABASE_URL (store.backend)', value, reason: target.reason });
    return;
  }
  if (layer.sources.has(target.option)) return;
  setPath(layer.tree, target.option, target.value);
  layer.sources.set(target.option, 'DATABASE_URL');
  if (!layer.sources.has('store.backend')) {
    setPath(layer.tree, 'store.backend', target.backend);
    layer.sources.set('store.backend', 'DATABASE_URL');
  }
}

/** A database URL often carries a password: show only its scheme, or nothing past an `@`. */
function showDatabaseUrl(url: string): string {
  if (url.includes('://')) return JSON.stringify(`${url.slice(0, url.indexOf('://') + 3)}...`);
  return url.includes('@') ? MASK : JSON.stringify(url);
}

/** A `NOTIFYD_A__B` variable that names no option is a typo; say so instead of ignoring it. */
function rejectUnknownNames(env: Record<string, string | undefined>, layer: EnvLayer): void {
  const known = new Set(OPTIONS.map((o) => envName(o.path)));
  for (const name of Object.keys(env)) {
    if (!name.startsWith('NOTIFYD_') || !name.includes('__') || known.has(name)) continue;
    const near = closest(name, [...known]);
    const hint = near ? `; did you mean ${near}?` : '';
    layer.issues.push({
      key: name,
      value: '',
      reason: `no option has this environment name${hint}`,
    });
  }
}
