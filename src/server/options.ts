/** The HTTP server's options (server.*) and the metrics endpoint's (metrics.*). */
import { reportBadRanges } from '../core/ip-ranges.js';
import { defineOptions, type SectionOf, sectionCheck } from '../core/option-spec.js';

/** The HTTP server: address, limits, proxies, CORS and shutdown. */
export const SERVER_OPTIONS = defineOptions([
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
    path: 'server.public_url',
    type: 'string',
    default: '',
    doc: "notifyd's address as the outside world reaches it (`https://notify.example.com`): Twilio status callbacks are requested at it and their signatures checked against it, and emails carry one-click unsubscribe links to it (signed with encryption.key). Empty: no status callbacks and no unsubscribe headers.",
  },
  {
    path: 'server.runtime_file',
    file: true,
    type: 'string',
    default: './data/notifyd.runtime.json',
    doc: 'Where serve records the address it listens on (with its pid) while it runs, so admin commands on the same host find it without --url; removed on stop. Empty disables.',
  },
  {
    path: 'server.shutdown_timeout_ms',
    type: 'integer',
    default: 10000,
    min: 0,
    max: 600000,
    doc: 'On SIGTERM/SIGINT, how long to wait for in-flight requests before closing anyway.',
  },
]);

/** The Prometheus endpoint. */
export const METRICS_OPTIONS = defineOptions([
  {
    path: 'metrics.enabled',
    type: 'boolean',
    default: true,
    doc: 'Serve Prometheus metrics at GET /metrics.',
  },
]);

/** The HTTP server's settings as loaded: `server.*`. */
export type ServerOptions = SectionOf<typeof SERVER_OPTIONS, 'server'>;

/** The metrics endpoint's settings: `metrics.*`. */
export type MetricsOptions = SectionOf<typeof METRICS_OPTIONS, 'metrics'>;

/** Every trusted proxy must be an address or a range. */
export const checkServerOptions = sectionCheck('server', (server: ServerOptions, report) =>
  reportBadRanges('server.trusted_proxies', server.trusted_proxies, report),
);
