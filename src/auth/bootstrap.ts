import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKey } from './api-keys.js';
import type { KeyStore } from './store.js';

/** The outcome of looking for, or making, the bootstrap admin key. */
export interface BootstrapKey {
  /** The key, when the file holds one; it has every scope. */
  key: string | null;
  /** True when this start wrote the file. */
  created: boolean;
  path: string | null;
}

/**
 * A fresh install has no API key and so no way to create one. When no admin key is
 * configured and the store holds no key, write a new admin key to `file` (mode 0600) for
 * the CLI to pick up. A key already in the file keeps working until the file is deleted.
 */
export async function loadBootstrapKey(
  file: string,
  adminKeyConfigured: boolean,
  keys: KeyStore,
): Promise<BootstrapKey> {
  if (!file) return { key: null, created: false, path: null };
  if (existsSync(file)) {
    const key = (await readFile(file, 'utf8')).trim();
    if (!/^nk_[A-Za-z0-9_-]{20,}$/.test(key)) {
      throw new Error(`${file} does not hold an API key; delete it or fix it`);
    }
    return { key, created: false, path: file };
  }
  if (adminKeyConfigured || (await keys.count()) > 0)
    return { key: null, created: false, path: null };
  const key = generateKey();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true, path: file };
}
