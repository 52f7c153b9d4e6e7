import { readFileSync } from 'node:fs';

/** A process's /proc/<pid>/io counters (wchar: bytes it passed to write calls, sockets included;
 * write_bytes: bytes it sent towards the disk); undefined where there is no /proc. */
function ioOf(pid) {
  try {
    const out = {};
    for (const line of readFileSync(`/proc/${pid}/io`, 'utf8').split('\n')) {
      const [k, v] = line.split(':');
      if (v !== undefined) out[k.trim()] = Number(v);
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring what `pid` writes; the returned function gives the MiB written through
 * write calls and towards the disk since, and per `per` units (say events) in bytes.
 */
export function ioMeter(pid) {
  const before = ioOf(pid);
  return (per) => {
    const after = ioOf(pid);
    if (!before || !after) return {};
    const wchar = after.wchar - before.wchar;
    const disk = after.write_bytes - before.write_bytes;
    return {
      written_mib: Math.round(wchar / 2 ** 20),
      disk_written_mib: Math.round(disk / 2 ** 20),
      written_bytes_per_unit: Math.round(wchar / per),
    };
  };
}
