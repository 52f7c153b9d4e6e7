import { readFileSync } from 'node:fs';

/**
 * VmRSS, VmHWM (peak) and RssAnon (the heap and other private memory, as against mapped
 * files such as the node binary) of a process in bytes, from /proc/<pid>/status.
 */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon') };
}

/** The daemon's JavaScript heap and external (Buffer, native) memory from a /metrics scrape. */
export function heapOf(samples) {
  const get = (name) => samples.get(name) ?? Number.NaN;
  return {
    heap_used: get('notifyd_nodejs_heap_size_used_bytes'),
    heap_total: get('notifyd_nodejs_heap_size_total_bytes'),
    external: get('notifyd_nodejs_external_memory_bytes'),
  };
}

export const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
