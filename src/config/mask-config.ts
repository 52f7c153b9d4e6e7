import { getPath, isTree, MASK, setPath, type Tree } from './option-tree.js';
import { type Config, OPTIONS } from './options.js';

/** A copy of the configuration, for printing, with every non-empty secret replaced by `********`. */
export function maskConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Tree;
  for (const o of OPTIONS) {
    if (o.secret && getPath(copy, o.path)) setPath(copy, o.path, MASK);
    if (o.type === 'objects') setPath(copy, o.path, maskSecretKeys(getPath(copy, o.path)));
  }
  return copy as unknown as Config;
}

/** Key names that hold credentials inside an `objects` option (a provider's `options`). */
const SECRET_KEY = /secret|password|passwd|token|private|credential|api_?key|auth/i;

/** Whether a key inside an `objects` option (a provider's option) names a credential. */
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

/**
 * A copy of a value with every non-empty string under a secret-looking key masked; an
 * environment reference (`${NAME}`) is not a secret and is kept, so one sees where it comes from.
 */
export function maskSecretKeys(value: unknown, secretKey = false): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecretKeys(v, secretKey));
  if (isTree(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        maskSecretKeys(v, secretKey || SECRET_KEY.test(k)),
      ]),
    );
  }
  if (!secretKey || value === '' || value === null || value === undefined) return value;
  if (typeof value === 'string' && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value)) return value;
  return MASK;
}
