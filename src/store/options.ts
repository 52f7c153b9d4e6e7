/** The store's options (store.*): the backend, per-concern overrides and each backend's settings. */
import { defineOptions, type SectionOf } from '../core/option-spec.js';
import { BACKEND_NAMES } from './backends.js';

/** The SQLite analytics file's page cache in MiB unless configured (store.sqlite.analytics_cache_mb). */
export const ANALYTICS_CACHE_MB = 256;

/** Where state is kept, and how each backend is reached. */
export const STORE_OPTIONS = defineOptions([
  {
    path: 'store.backend',
    type: 'enum',
    values: BACKEND_NAMES,
    default: 'sqlite',
    env: ['STORE_BACKEND'],
    doc: 'Where state is kept: sqlite (embedded, durable), postgres or redis (shared by several nodes), or memory (lost on restart; for tests). DATABASE_URL=postgres://… selects postgres.',
  },
  {
    path: 'store.ratelimit',
    type: 'enum',
    values: ['', ...BACKEND_NAMES],
    default: '',
    env: ['RATELIMIT_BACKEND'],
    doc: 'Backend for rate-limit counters and limiter state when it should differ from store.backend, e.g. redis so that several nodes share one limit. Empty: the same as store.backend, except that on sqlite limiter state stays in the process (one node; a write per request would cost more than the request).',
  },
  {
    path: 'store.queues',
    type: 'enum',
    values: ['', ...BACKEND_NAMES],
    default: '',
    env: ['QUEUE_BACKEND', 'ACK_BACKEND'],
    doc: "Backend for the offline queue and ack tracking when it should differ from store.backend (Ara's QUEUE_BACKEND and ACK_BACKEND both set it). Empty: the same as store.backend.",
  },
  {
    path: 'store.connect_retry_max_ms',
    type: 'integer',
    default: 30000,
    min: 100,
    max: 600000,
    doc: 'When the store cannot be reached at start, notifyd listens anyway (/readyz answers 503) and retries with doubling delays up to this one.',
  },
  {
    path: 'store.sqlite.path',
    file: true,
    type: 'string',
    default: './data/notifyd.db',
    doc: 'SQLite database file; its folder is created if missing. DATABASE_URL=sqlite:PATH sets it too.',
  },
  {
    path: 'store.sqlite.analytics_path',
    file: true,
    type: 'string',
    default: '',
    doc: 'SQLite file for analytics events and rollups, with its own write-ahead log and checkpoints so that tracking never slows sends. Empty: beside store.sqlite.path (`notifyd.db` → `notifyd-analytics.db`). A database from before it existed hands its analytics over on the first start. Back it up with the main file. The main file itself is refused, however it is named (a symlink, a hard link, another spelling).',
  },
  {
    path: 'store.sqlite.analytics_cache_mb',
    type: 'integer',
    default: ANALYTICS_CACHE_MB,
    min: 2,
    max: 65536,
    doc: 'Page cache of the analytics file, in MiB, taken as it fills. Tracked events land at random places in indexes by user; a cache that holds their hot pages spares a disk read and write for nearly every event, and funnels read their index from it. The driver alone would keep 16 MiB.',
  },
  {
    path: 'store.sqlite.synchronous',
    type: 'enum',
    values: ['NORMAL', 'FULL'],
    default: 'NORMAL',
    doc: 'NORMAL survives a crash of notifyd (kill -9); FULL also survives power loss, at a cost in write speed.',
  },
  {
    path: 'store.sqlite.busy_timeout_ms',
    type: 'integer',
    default: 5000,
    min: 0,
    max: 600000,
    doc: 'How long a write waits for another process holding the database lock.',
  },
  {
    path: 'store.sqlite.checkpoint_interval_ms',
    type: 'integer',
    default: 200,
    min: 0,
    max: 60000,
    doc: 'How often a worker thread copies the write-ahead log back into the database. 0 leaves it to SQLite on the main thread, which pauses requests for tens of ms each time.',
  },
  {
    path: 'store.postgres.url',
    type: 'string',
    default: 'postgres://127.0.0.1:5432/notifyd',
    secret: true,
    doc: 'PostgreSQL connection string (postgres://user:password@host:port/database). DATABASE_URL=postgres://… sets it too.',
  },
  {
    path: 'store.postgres.pool_size',
    type: 'integer',
    default: 10,
    min: 1,
    max: 1000,
    doc: 'Most connections this node opens to PostgreSQL.',
  },
  {
    path: 'store.postgres.schema',
    type: 'string',
    default: 'public',
    doc: 'Schema holding notifyd tables; created if missing. Lets several installs share one database.',
  },
  {
    path: 'store.postgres.statement_timeout_ms',
    type: 'integer',
    default: 30000,
    min: 0,
    max: 3600000,
    doc: 'PostgreSQL cancels a statement that runs longer than this (migrations excepted), and notifyd gives up on a call it has no answer to 2 s later (STORE_UNAVAILABLE; the connection is replaced), so a server that hangs or vanishes holds neither requests nor shutdown for long. 0 turns both off.',
  },
  {
    path: 'store.postgres.migrate_on_start',
    type: 'boolean',
    default: true,
    doc: 'Apply pending schema migrations when notifyd starts. Turn off to run `notifyd migrate` yourself before upgrades.',
  },
  {
    path: 'store.redis.url',
    type: 'string',
    default: 'redis://127.0.0.1:6379',
    secret: true,
    env: ['REDIS_URL'],
    doc: 'Redis connection string (redis://[:password@]host:port[/db], rediss:// for TLS).',
  },
  {
    path: 'store.redis.prefix',
    type: 'string',
    default: 'notifyd:',
    doc: 'Prefix of every key notifyd writes, so that several installs can share one Redis.',
  },
]);

/** The store's settings as loaded: `store.*`. */
export type StoreOptions = SectionOf<typeof STORE_OPTIONS, 'store'>;
