import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file served as it is, with the validator browsers revalidate it with. */
export interface Asset {
  body: string;
  etag: string;
  contentType: string;
}

/** What a file name's extension is served as. */
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
};

/**
 * The package's root: the nearest folder above this file with notifyd's package.json
 * (this file runs from src/web/ under tests and from dist/src/web/ when installed).
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'web', 'public'))) {
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`notifyd's package root is not above ${from}`);
    dir = up;
  }
}

/** A strong ETag from the content: the same bytes always give the same tag. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/** Whether an If-None-Match header names `etag` (weak or strong, or `*`). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

/**
 * The web files on disk, read once each on first use and kept in memory (they change only
 * with a new release). Only files that exist are kept, so probing names costs nothing.
 */
export class AssetStore {
  private readonly cache = new Map<string, Promise<Asset | null>>();

  constructor(private readonly root: string) {}

  /** The file at `relative` under the root, or null when there is none. */
  get(relative: string): Promise<Asset | null> {
    let found = this.cache.get(relative);
    if (!found) {
      found = this.load(relative);
      this.cache.set(relative, found);
      // A missing file is not remembered: a later build may add it.
      void found.then((a) => {
        if (!a) this.cache.delete(relative);
      });
    }
    return found;
  }

  private async load(relative: string): Promise<Asset | null> {
    const ext = relative.slice(relative.lastIndexOf('.') + 1);
    const contentType = TYPES[ext];
    if (!contentType) return null;
    let body: string;
    try {
      body = await readFile(join(this.root, relative), 'utf8');
    } catch {
      return null;
    }
    return { body, etag: etagOf(body), contentType };
  }
}
