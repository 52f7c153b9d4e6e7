import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * ioredis, loaded on first use: a daemon that uses no Redis (the SQLite default) never
 * loads it, which keeps the idle process smaller. Synchronous (ioredis is CommonJS), so the
 * places that build clients stay as they are.
 */
export function ioredis(): typeof import('ioredis') {
  return require('ioredis') as typeof import('ioredis');
}
