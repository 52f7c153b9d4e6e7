import { getPath, MASK, setPath, type Tree } from './option-tree.js';
import { type Config, OPTIONS } from './options.js';

/** A copy of the configuration, for printing, with every non-empty secret replaced by `********`. */
export function maskConfig(config: Config): Config {
  const copy = structuredClone(config) as unknown as Tree;
  for (const o of OPTIONS) {
    if (o.secret && getPath(copy, o.path)) setPath(copy, o.path, MASK);
  }
  return copy as unknown as Config;
}
