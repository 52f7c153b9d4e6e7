import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What `serve` records about itself for the admin commands on the same host. */
export interface RuntimeRecord {
  /** The URL the admin commands use: loopback when the server listens on every address. */
  url: string;
  host: string;
  port: number;
  pid: number;
  started_at: string;
}

/** The URL to reach a server listening on `host:port` from the same machine. */
export function localUrl(host: string, port: number): string {
  const reachable = ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Records where this process listens (`server.runtime_file`; empty: nowhere). */
export function writeRuntimeFile(path: string, host: string, port: number): void {
  if (!path) return;
  const record: RuntimeRecord = {
    url: localUrl(host, port),
    host,
    port,
    pid: process.pid,
    started_at: new Date().toISOString(),
  };
  mkdirSync(dirname(path), { recursive: true });
  // Written whole, then renamed: a command never reads half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
}

/** Removes the record on stop, if it is still this process's (another may have replaced it). */
export function removeRuntimeFile(path: string): void {
  if (!path || readRuntimeFile(path, false)?.pid !== process.pid) return;
  rmSync(path, { force: true });
}

/**
 * The record of a running server, or null: no file, not one of ours, or left behind by a
 * process that is gone (killed with -9, say).
 */
export function readRuntimeFile(path: string, mustBeAlive = true): RuntimeRecord | null {
  if (!path) return null;
  let record: Partial<RuntimeRecord>;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as Partial<RuntimeRecord>;
  } catch {
    return null;
  }
  if (typeof record.url !== 'string' || typeof record.pid !== 'number') return null;
  if (mustBeAlive && !alive(record.pid)) return null;
  return record as RuntimeRecord;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
