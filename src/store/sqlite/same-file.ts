/**
 * Whether two paths name one file. `resolve()` alone compares spellings: a symlink, a hard
 * link or a path through a symlinked folder to the main database passed as
 * `store.sqlite.analytics_path`, and two connections wrote two schemas into one file.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Links followed before a path is taken as it is (a loop of symlinks ends here). */
const MAX_LINKS = 40;

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

/**
 * The path a file has or would have once created: symlinks followed, dangling ones too (the
 * file SQLite creates is their target), and the real folder of a file not there yet.
 */
export function canonicalPath(path: string, links = 0): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch (err) {
    if (code(err) !== 'ENOENT' && code(err) !== 'ENOTDIR') return abs;
  }
  if (links < MAX_LINKS) {
    try {
      if (lstatSync(abs).isSymbolicLink()) {
        return canonicalPath(resolve(dirname(abs), readlinkSync(abs)), links + 1);
      }
    } catch {
      // Not there at all: its folder decides below.
    }
  }
  const dir = dirname(abs);
  return dir === abs ? abs : join(canonicalPath(dir, links), basename(abs));
}

/** The device and inode of an existing file; null when there is none. */
function inodeOf(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

/**
 * Whether `a` and `b` are one file: the same device and inode when both exist (hard links,
 * case-insensitive file systems), else the same canonical path. `:memory:` is no file.
 */
export function sameFile(a: string, b: string): boolean {
  if (a === ':memory:' || b === ':memory:' || a === '' || b === '') return false;
  const ia = inodeOf(a);
  const ib = inodeOf(b);
  if (ia !== null && ib !== null) return ia === ib;
  return canonicalPath(a) === canonicalPath(b);
}
