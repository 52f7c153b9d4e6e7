/**
 * The realtime gateway's options (realtime.*): WebSocket and SSE limits. The offline queue's
 * and ack tracking's (realtime.queue.*, realtime.ack.*) are the notifications module's.
 */
import { defineOptions, type SectionOf } from '../../core/option-spec.js';

/** WebSocket and SSE sessions. */
export const REALTIME_OPTIONS = defineOptions([
  {
    path: 'realtime.max_payload_bytes',
    type: 'integer',
    default: 16384,
    min: 256,
    max: 16777216,
    doc: 'Largest WebSocket frame a client may send; a larger one closes the socket with 1009 (one over four times this is cut off at once, 1006).',
  },
  {
    path: 'realtime.max_channels_per_session',
    type: 'integer',
    default: 100,
    min: 1,
    max: 100000,
    doc: 'Named channels one WebSocket session or SSE stream may subscribe to; one more gets error TOO_MANY_CHANNELS.',
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
]);

/** The realtime gateway's settings as loaded: `realtime.*`. */
export type RealtimeOptions = SectionOf<typeof REALTIME_OPTIONS, 'realtime'>;
