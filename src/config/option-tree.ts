/**
 * The OPTIONS table seen as a tree: lookups by dotted path, the defaults as an object,
 * and how a value is shown in an error (secrets never are).
 */
import { OPTIONS, type OptionSpec } from './options.js';

/** A nested record of option values, as read from YAML or built from the environment. */
export type Tree = { [key: string]: unknown };

/** Every option by its dotted path. */
export const OPTION_BY_PATH: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((o) => [o.path, o]),
);

/** Every section (a path that holds options, e.g. `store.sqlite`). */
export const SECTION_PATHS: ReadonlySet<string> = new Set(
  OPTIONS.flatMap((o) => {
    const parts = o.path.split('.');
    return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
  }),
);

/** The value at a dotted path, or undefined when a level is missing. */
export function getPath(tree: unknown, path: string): unknown {
  let node = tree;
  for (const part of path.split('.')) {
    if (!isTree(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Sets the value at a dotted path, creating the levels above it. */
export function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (!isTree(node[part])) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]] = value;
}

/** True for a plain mapping (not null, not a list). */
export function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A fresh tree holding every option's default (lists copied, so callers may change it). */
export function defaultTree(): Tree {
  const tree: Tree = {};
  for (const o of OPTIONS)
    setPath(tree, o.path, Array.isArray(o.default) ? [...o.default] : o.default);
  return tree;
}

/** The mask shown in place of a non-empty secret. */
export const MASK = '********';

/** How a value appears in an error: JSON, shortened, and masked for secret options. */
export function showValue(path: string, value: unknown): string {
  if (OPTION_BY_PATH.get(path)?.secret) {
    return value === '' || value === undefined ? '""' : MASK;
  }
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Freezes a value and everything inside it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
