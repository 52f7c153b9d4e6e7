import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's own Prometheus metrics (HTTP, WebSocket, SSE) and the registry every module
 * adds its metrics to; one registry per server so tests can run several.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'notifyd_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'notifyd_http_request_duration_seconds',
    help: 'Time from request to response, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: 'notifyd_ws_connections',
    help: 'Open WebSocket sessions.',
    registers: [this.registry],
  });
  readonly sseStreams = new Gauge({
    name: 'notifyd_sse_streams',
    help: 'Open Server-Sent Events streams.',
    registers: [this.registry],
  });

  readonly wsMessagesOut = new Counter({
    name: 'notifyd_ws_messages_sent_total',
    help: 'Messages published to user streams, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly wsMessagesIn = new Counter({
    name: 'notifyd_ws_messages_received_total',
    help: 'Messages received from clients, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'notifyd_' });
  }
}
