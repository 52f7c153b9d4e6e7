/** The value under `key`, made and stored first when there is none. */
export function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Deletes the entries that expired at or before `now`; returns how many. */
export function deleteExpired<K>(map: Map<K, { expires_at: number }>, now: number): number {
  let deleted = 0;
  for (const [key, entry] of map) {
    if (entry.expires_at <= now) {
      map.delete(key);
      deleted++;
    }
  }
  return deleted;
}

/** One key of several parts; a NUL cannot appear in a tenant id, so parts never run together. */
export const joinKey = (...parts: string[]) => parts.join('\u0000');
