import type { RealtimeDeps } from './realtime-deps.js';
import type { SseHub } from './sse.js';
import type { WireProtocol } from './wire.js';

/** What the WebSocket gateway is built with (from `realtime.*` and the server's pieces). */
export interface GatewayOptions extends Omit<RealtimeDeps, 'cors'> {
  /** Largest frame a client may send; a larger one closes the socket with 1009. */
  maxPayloadBytes: number;
  /** Named channels one session may subscribe to at once. */
  maxChannelsPerSession: number;
  idleTimeoutS: number;
  authTimeoutMs: number;
  /**
   * Bytes that may wait for a client that does not read; past it the session is closed with
   * 4008 SLOW_CONSUMER (checked every second); past four times it uWS drops the socket at once.
   */
  maxBackpressureBytes: number;
  /** Event streams that get the same messages (SSE). */
  sse?: SseHub;
  /** notifyd's own protocol: its topics carry no prefix. */
  wire: WireProtocol;
}
