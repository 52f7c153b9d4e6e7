/**
 * Every configuration option, once. The JSON schema, the `NOTIFYD_*` environment names,
 * config/default.yaml, ara.example.yaml and the README's table are all made from this
 * table, so they cannot drift apart.
 */

export type OptionType = 'string' | 'integer' | 'boolean' | 'enum' | 'list';

export interface OptionSpec {
  /** Dotted path in the YAML file, e.g. `server.port`. */
  path: string;
  type: OptionType;
  /** Allowed values of an `enum`. */
  values?: readonly string[];
  default: string | number | boolean | string[];
  /** Bounds of an `integer`. */
  min?: number;
  max?: number;
  /** One or two sentences for the docs: what it does, and why one would change it. */
  doc: string;
  /** Never printed: masked in `config print`, in errors and in logs. */
  secret?: boolean;
  /** Other environment names that set this option, besides `NOTIFYD_<PATH>`. */
  env?: readonly string[];
  /** A file path: when relative, resolved against the working directory at load time. */
  file?: boolean;
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    path: 'server.host',
    type: 'string',
    default: '0.0.0.0',
    env: ['HOST'],
    doc: 'Address to listen on. Use 127.0.0.1 to accept local connections only.',
  },
  {
    path: 'server.port',
    type: 'integer',
    default: 8080,
    min: 0,
    max: 65535,
    env: ['PORT'],
    doc: 'TCP port for HTTP, WebSocket and SSE. 0 picks a free port.',
  },
  {
    path: 'server.body_limit',
    type: 'integer',
    default: 1048576,
    min: 1024,
    max: 67108864,
    doc: 'Largest request body in bytes; larger bodies get 413 PAYLOAD_TOO_LARGE.',
  },
  {
    path: 'server.trust_proxy',
    type: 'boolean',
    default: false,
    doc: 'Believe X-Forwarded-For from any peer (set when behind a reverse proxy and nothing else can reach notifyd); the client address feeds key IP allowlists, rate limits and logs. Prefer server.trusted_proxies.',
  },
  {
    path: 'server.trusted_proxies',
    type: 'list',
    default: [],
    doc: 'Addresses or CIDR ranges of the proxies in front of notifyd (e.g. 10.0.0.0/8). X-Forwarded-For is believed only from these, and hops they added are skipped to find the client. Set, it replaces server.trust_proxy.',
  },
  {
    path: 'server.cors_origins',
    type: 'list',
    default: [],
    doc: 'Browser origins allowed to call the API (CORS), e.g. https://app.example.com; * allows any. Empty sends no CORS headers.',
  },
  {
    path: 'server.shutdown_timeout_ms',
    type: 'integer',
    default: 10000,
    min: 0,
    max: 600000,
    doc: 'On SIGTERM/SIGINT, how long to wait for in-flight requests before closing anyway.',
  },
  {
    path: 'store.backend',
    type: 'enum',
    values: ['sqlite', 'memory', 'postgres', 'redis'],
    default: 'sqlite',
    env: ['STORE_BACKEND'],
    doc: 'Where state is kept: sqlite (embedded, durable), postgres or redis (shared by several nodes), or memory (lost on restart; for tests). DATABASE_URL=postgres://… selects postgres.',
  },
  {
    path: 'store.ratelimit',
    type: 'enum',
    values: ['', 'sqlite', 'memory', 'postgres', 'redis'],
    default: '',
    env: ['RATELIMIT_BACKEND'],
    doc: 'Backend for rate-limit counters and limiter state when it should differ from store.backend, e.g. redis so that several nodes share one limit. Empty: the same as store.backend, except that on sqlite limiter state stays in the process (one node; a write per request would cost more than the request).',
  },
  {
    path: 'store.queues',
    type: 'enum',
    values: ['', 'sqlite', 'memory', 'postgres', 'redis'],
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
  {
    path: 'auth.admin_key',
    type: 'string',
    default: '',
    secret: true,
    env: ['NOTIFYD_ADMIN_KEY'],
    doc: 'A bootstrap API key with every scope, for any tenant. Use it to create real keys, then unset it.',
  },
  {
    path: 'auth.bootstrap_key_file',
    file: true,
    type: 'string',
    default: './data/admin.key',
    doc: 'When no admin key is set and the store has no key, serve writes a new admin key here (mode 0600). Empty disables.',
  },
  {
    path: 'auth.key_cache_ms',
    type: 'integer',
    default: 5000,
    min: 0,
    max: 3600000,
    doc: 'How long a verified API key is remembered; a key revoked on another node stops working within this time.',
  },
  {
    path: 'auth.jwt.secret',
    type: 'string',
    default: '',
    secret: true,
    env: ['JWT_SECRET'],
    doc: 'HS256 secret for end-user tokens.',
  },
  {
    path: 'auth.jwt.public_key',
    file: true,
    type: 'string',
    default: '',
    env: ['JWT_PUBLIC_KEY'],
    doc: 'PEM public key (inline or a file path) for RS256/ES256 end-user tokens.',
  },
  {
    path: 'auth.jwt.jwks_file',
    file: true,
    type: 'string',
    default: '',
    doc: 'Path to a JWKS file whose keys verify end-user tokens (chosen by the token kid).',
  },
  {
    path: 'auth.jwt.algorithms',
    type: 'list',
    default: ['HS256', 'RS256', 'ES256'],
    doc: 'Token algorithms accepted; each needs its key above.',
  },
  {
    path: 'auth.jwt.issuer',
    type: 'string',
    default: '',
    doc: 'When set, tokens must carry this iss claim.',
  },
  {
    path: 'auth.jwt.audience',
    type: 'string',
    default: '',
    doc: 'When set, tokens must carry this aud claim.',
  },
  {
    path: 'auth.jwt.clock_tolerance_s',
    type: 'integer',
    default: 5,
    min: 0,
    max: 3600,
    doc: 'Seconds of clock skew allowed when checking exp and nbf.',
  },
  {
    path: 'feed.default_limit',
    type: 'integer',
    default: 20,
    min: 1,
    max: 1000,
    doc: 'Page size of GET /me/notifications when the request names none.',
  },
  {
    path: 'feed.max_limit',
    type: 'integer',
    default: 100,
    min: 1,
    max: 1000,
    doc: 'Largest page size a client may ask for.',
  },
  {
    path: 'feed.cursor_secret',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Key that signs feed cursors. Empty: derived from the JWT secret, else random per process (set it when several nodes serve one feed).',
  },
  {
    path: 'notifications.idempotency_ttl_s',
    type: 'integer',
    default: 86400,
    min: 60,
    max: 2592000,
    doc: 'How long an idempotency key refuses a second send (409 DUPLICATE_NOTIFICATION).',
  },
  {
    path: 'realtime.max_payload_bytes',
    type: 'integer',
    default: 16384,
    min: 256,
    max: 16777216,
    doc: 'Largest WebSocket frame a client may send; a larger one closes the socket.',
  },
  {
    path: 'realtime.idle_timeout_s',
    type: 'integer',
    default: 120,
    min: 8,
    max: 960,
    doc: 'A socket silent for this long is closed; the server pings before that.',
  },
  {
    path: 'realtime.auth_timeout_ms',
    type: 'integer',
    default: 10000,
    min: 100,
    max: 600000,
    doc: 'A socket opened without ?token= must send an authenticate frame within this time.',
  },
  {
    path: 'realtime.max_backpressure_bytes',
    type: 'integer',
    default: 1048576,
    min: 1024,
    max: 1073741824,
    doc: 'Bytes buffered for a slow socket before it is closed; the client reconnects and resumes with last_id, so nothing is lost.',
  },
  {
    path: 'realtime.max_connections',
    type: 'integer',
    default: 100000,
    min: 1,
    max: 10000000,
    doc: 'Open WebSocket sessions this node accepts; past it, upgrades get 429 TOO_MANY_CONNECTIONS.',
  },
  {
    path: 'realtime.max_connections_per_user',
    type: 'integer',
    default: 20,
    min: 0,
    max: 100000,
    doc: 'Open sessions of one user on this node; the next gets TOO_MANY_CONNECTIONS and close 4003. 0: no limit.',
  },
  {
    path: 'realtime.max_connections_per_tenant',
    type: 'integer',
    default: 0,
    min: 0,
    max: 10000000,
    doc: 'Open sessions of one tenant on this node, as for a user. 0: no limit.',
  },
  {
    path: 'realtime.connect_rate_per_ip',
    type: 'integer',
    default: 50,
    min: 0,
    max: 100000,
    doc: 'New WebSocket connections per second from one address (burst: twice that); past it, 429 RATE_LIMIT_EXCEEDED with Retry-After. 0: no limit.',
  },
  {
    path: 'realtime.reconnect_after_s',
    type: 'integer',
    default: 5,
    min: 0,
    max: 3600,
    doc: 'Sent to sockets in the shutdown frame: when clients should reconnect.',
  },
  {
    path: 'realtime.sse_heartbeat_s',
    type: 'integer',
    default: 15,
    min: 1,
    max: 300,
    doc: 'Server-Sent Events streams get a comment line this often, so that proxies do not close them as idle.',
  },
  {
    path: 'realtime.queue.enabled',
    type: 'boolean',
    default: false,
    env: ['QUEUE_ENABLED'],
    doc: 'Offline queue: a notification for a user with no open session (on any node) is queued and sent first when one connects. Costs one more store write per such notification; the feed keeps everything either way.',
  },
  {
    path: 'realtime.queue.max_size_per_user',
    type: 'integer',
    default: 100,
    min: 1,
    max: 10000,
    env: ['QUEUE_MAX_SIZE_PER_USER'],
    doc: 'Most queued notifications per user; past it the oldest are dropped (they stay in the feed).',
  },
  {
    path: 'realtime.queue.ttl_s',
    type: 'integer',
    default: 3600,
    min: 1,
    max: 2592000,
    env: ['QUEUE_MESSAGE_TTL_SECONDS'],
    doc: 'How long a notification waits in the offline queue before it is dropped (it stays in the feed).',
  },
  {
    path: 'realtime.queue.cleanup_interval_s',
    type: 'integer',
    default: 300,
    min: 1,
    max: 86400,
    env: ['QUEUE_CLEANUP_INTERVAL_SECONDS'],
    doc: 'How often expired entries are removed from the offline queue.',
  },
  {
    path: 'realtime.ack.enabled',
    type: 'boolean',
    default: false,
    env: ['ACK_ENABLED'],
    doc: 'Ack tracking: an in-app notification sent to an open session is pending until a session acks it; unacked after realtime.ack.timeout_s it is expired, redelivered to the next session and may trigger the fallback channel. Costs one more store write per notification.',
  },
  {
    path: 'realtime.ack.timeout_s',
    type: 'integer',
    default: 30,
    min: 1,
    max: 86400,
    env: ['ACK_TIMEOUT_SECONDS'],
    doc: 'How long a session has to ack an in-app notification before it counts as expired.',
  },
  {
    path: 'realtime.ack.sweep_interval_s',
    type: 'integer',
    default: 5,
    min: 1,
    max: 3600,
    env: ['ACK_CLEANUP_INTERVAL_SECONDS'],
    doc: 'How often pending acks are checked for expiry; an expiry is noticed up to this much late.',
  },
  {
    path: 'realtime.ack.fallback_channel',
    type: 'string',
    default: '',
    doc: 'A channel (e.g. push) to queue a delivery on when an in-app notification expires unacked. Empty: none.',
  },
  {
    path: 'realtime.ack.fallback_skip_when_online',
    type: 'boolean',
    default: true,
    doc: 'Skip the fallback channel when the user has an open session (is active in-app) at expiry.',
  },
  {
    path: 'ratelimit.enabled',
    type: 'boolean',
    default: true,
    doc: 'Put every HTTP request through the rate-limit engine (policies, rules, plans and the default per key). Off: nothing is limited; the check API still answers.',
  },
  {
    path: 'ratelimit.approach_percent',
    type: 'integer',
    default: 80,
    min: 1,
    max: 100,
    doc: 'A key that has used this share of a limit in its window raises ratelimit.limit_approached (once per window).',
  },
  {
    path: 'ratelimit.default_per_key_per_minute',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 100000000,
    doc: 'Requests per minute allowed per API key when no rate-limit rule or plan applies. 0: no default limit.',
  },
  {
    path: 'ratelimit.config_cache_ms',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 600000,
    doc: 'How long a node uses its loaded rate-limit policies, rules and plans before checking the store for changes; changes made on another node apply within about this long.',
  },
  {
    path: 'ratelimit.on_store_error',
    type: 'enum',
    values: ['open', 'closed'],
    default: 'open',
    doc: 'When the rate-limit store cannot decide (Redis or the database unreachable or too slow): open allows the request, logs a warning and counts it in notifyd_ratelimit_store_errors_total; closed refuses it with 503 STORE_UNAVAILABLE.',
  },
  {
    path: 'ratelimit.store_timeout_ms',
    type: 'integer',
    default: 500,
    min: 10,
    max: 60000,
    doc: 'How long one rate-limit decision may wait for the store before it counts as a store error (and ratelimit.on_store_error applies).',
  },
  {
    path: 'webhooks.timeout_ms',
    type: 'integer',
    default: 10000,
    min: 1,
    max: 300000,
    doc: 'How long one webhook delivery may take (connect, send, answer headers) before it counts as failed and is retried.',
  },
  {
    path: 'webhooks.max_attempts',
    type: 'integer',
    default: 5,
    min: 1,
    max: 50,
    doc: 'Attempts per event and webhook, the first included; a network error, a timeout, a 5xx or a 429 is retried, any other answer is final.',
  },
  {
    path: 'webhooks.retry_base_ms',
    type: 'integer',
    default: 1000,
    min: 1,
    max: 3600000,
    doc: 'Delay before the first retry; each further retry waits twice as long (with random jitter), up to webhooks.retry_max_ms. A Retry-After answer is waited for instead.',
  },
  {
    path: 'webhooks.retry_max_ms',
    type: 'integer',
    default: 300000,
    min: 1,
    max: 86400000,
    doc: 'Longest wait before a retry, a Retry-After included.',
  },
  {
    path: 'webhooks.queue_size',
    type: 'integer',
    default: 10000,
    min: 1,
    max: 10000000,
    doc: 'Deliveries waiting on this node (in memory: lost if the process dies). When full, the oldest is dropped and counted in notifyd_webhook_deliveries_total{result="dropped"}.',
  },
  {
    path: 'webhooks.concurrency',
    type: 'integer',
    default: 16,
    min: 1,
    max: 1000,
    doc: 'Webhook deliveries in flight at once on this node.',
  },
  {
    path: 'webhooks.config_cache_ms',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 600000,
    doc: 'How long a node uses its loaded webhook subscriptions before checking the store for changes; changes made on another node apply within about this long.',
  },
  {
    path: 'webhooks.denied_networks',
    type: 'list',
    default: [
      '0.0.0.0/8',
      '::/128',
      '169.254.0.0/16',
      'fe80::/10',
      '224.0.0.0/4',
      'ff00::/8',
      '100.100.100.200/32',
      'fd00:ec2::254/128',
    ],
    doc: 'Addresses and CIDR ranges webhook deliveries never connect to: a URL naming one is refused (400), and a name resolving to one fails its delivery without retry (checked on every connection, so DNS changes cannot route around it). The default keeps cloud metadata services and link-local, unspecified and multicast addresses out of reach; when tenants you do not fully trust may create webhooks, add your private networks (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8, ::1, fc00::/7).',
  },
  {
    path: 'log.level',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    env: ['LOG_LEVEL'],
    doc: 'Least severe level written to the log.',
  },
  {
    path: 'log.access',
    type: 'boolean',
    default: false,
    doc: 'Log every HTTP request (method, route, status, duration, request id).',
  },
  {
    path: 'metrics.enabled',
    type: 'boolean',
    default: true,
    doc: 'Serve Prometheus metrics at GET /metrics.',
  },
  {
    path: 'cluster.enabled',
    type: 'boolean',
    default: false,
    doc: 'Run as one node of several sharing store.redis.url: in-app messages reach a user on any node, and nodes register themselves (GET /api/v1/cluster/status). Use a shared durable store (postgres or redis) with it.',
  },
  {
    path: 'cluster.node_id',
    type: 'string',
    default: '',
    doc: "This node's name in the cluster; empty uses <hostname>-<pid>.",
  },
  {
    path: 'cluster.heartbeat_interval_ms',
    type: 'integer',
    default: 5000,
    min: 100,
    max: 600000,
    doc: 'How often a node tells the registry it is alive.',
  },
  {
    path: 'cluster.node_ttl_ms',
    type: 'integer',
    default: 15000,
    min: 300,
    max: 3600000,
    doc: 'A node that has not sent a heartbeat for this long is dropped from the registry.',
  },
  {
    path: 'triggers.redis.enabled',
    type: 'boolean',
    default: false,
    env: ['REDIS_TRIGGERS_ENABLED'],
    doc: "Listen for notification triggers published to Redis in the Ara notification service's format (see docs/realtime.md, Redis triggers), so services that publish to Ara work unchanged.",
  },
  {
    path: 'triggers.redis.channels',
    type: 'list',
    default: ['notification:user:*', 'notification:broadcast', 'notification:channel:*'],
    env: ['REDIS_CHANNELS'],
    doc: 'Redis channels to listen on; names with *, ? or [ are patterns (PSUBSCRIBE). The channel only decides whether a message is heard: its payload names the target.',
  },
  {
    path: 'triggers.redis.url',
    type: 'string',
    default: '',
    secret: true,
    doc: 'Redis to listen on for triggers, when not store.redis.url (REDIS_URL). Empty: store.redis.url.',
  },
  {
    path: 'triggers.redis.lease_ttl_ms',
    type: 'integer',
    default: 10000,
    min: 300,
    max: 600000,
    doc: 'In cluster mode one node acts on triggers while it holds a lease in Redis, renewed every third of this; when it dies another node takes over within about this long, and triggers published in between are missed.',
  },
];

/** A store backend by name. */
export type StoreBackend = 'sqlite' | 'memory' | 'postgres' | 'redis';

/** The effective configuration, as the rest of notifyd reads it (frozen after loading). */
export interface Config {
  server: {
    host: string;
    port: number;
    body_limit: number;
    trust_proxy: boolean;
    trusted_proxies: string[];
    cors_origins: string[];
    shutdown_timeout_ms: number;
  };
  store: {
    backend: StoreBackend;
    ratelimit: StoreBackend | '';
    queues: StoreBackend | '';
    connect_retry_max_ms: number;
    sqlite: {
      path: string;
      synchronous: 'NORMAL' | 'FULL';
      busy_timeout_ms: number;
      checkpoint_interval_ms: number;
    };
    postgres: {
      url: string;
      pool_size: number;
      schema: string;
      statement_timeout_ms: number;
      migrate_on_start: boolean;
    };
    redis: { url: string; prefix: string };
  };
  auth: {
    admin_key: string;
    bootstrap_key_file: string;
    key_cache_ms: number;
    jwt: {
      secret: string;
      public_key: string;
      jwks_file: string;
      algorithms: string[];
      issuer: string;
      audience: string;
      clock_tolerance_s: number;
    };
  };
  feed: { default_limit: number; max_limit: number; cursor_secret: string };
  notifications: { idempotency_ttl_s: number };
  realtime: {
    max_payload_bytes: number;
    idle_timeout_s: number;
    auth_timeout_ms: number;
    max_backpressure_bytes: number;
    max_connections: number;
    max_connections_per_user: number;
    max_connections_per_tenant: number;
    connect_rate_per_ip: number;
    reconnect_after_s: number;
    sse_heartbeat_s: number;
    queue: {
      enabled: boolean;
      max_size_per_user: number;
      ttl_s: number;
      cleanup_interval_s: number;
    };
    ack: {
      enabled: boolean;
      timeout_s: number;
      sweep_interval_s: number;
      fallback_channel: string;
      fallback_skip_when_online: boolean;
    };
  };
  ratelimit: {
    enabled: boolean;
    approach_percent: number;
    default_per_key_per_minute: number;
    config_cache_ms: number;
    on_store_error: 'open' | 'closed';
    store_timeout_ms: number;
  };
  webhooks: {
    timeout_ms: number;
    max_attempts: number;
    retry_base_ms: number;
    retry_max_ms: number;
    queue_size: number;
    concurrency: number;
    config_cache_ms: number;
    denied_networks: string[];
  };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    access: boolean;
  };
  metrics: { enabled: boolean };
  cluster: {
    enabled: boolean;
    node_id: string;
    heartbeat_interval_ms: number;
    node_ttl_ms: number;
  };
  triggers: {
    redis: { enabled: boolean; channels: string[]; url: string; lease_ttl_ms: number };
  };
}
