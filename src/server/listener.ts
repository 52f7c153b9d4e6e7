import uWS from 'uWebSockets.js';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/options.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { AnyRoute } from '../http/route.js';
import { ClientAddresses } from './client-address.js';
import { Cors } from './cors.js';
import type { Metrics } from './metrics.js';
import { mountRoutes, type OtherPath, type RouterDeps } from './router.js';

/** uSockets' listen option that leaves SO_REUSEPORT off (the binary exports it; the typings do not). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/**
 * The uWS app and its listening socket: CORS, who the client is, the routes, and a graceful
 * stop that refuses new work and waits for requests in flight.
 */
export class Listener {
  readonly app = uWS.App();
  readonly cors: Cors;
  readonly addresses: ClientAddresses;
  /** Requests being handled now, and whether new ones are refused. */
  readonly lifecycle = { inflight: 0, draining: false };
  private socket: uWS.us_listen_socket | null = null;

  private readonly settings: Config['server'];
  private readonly deps: { metrics: Metrics; logger: Logger; ids: IdGenerator; accessLog: boolean };

  constructor(config: Config, deps: { metrics: Metrics; logger: Logger; ids: IdGenerator }) {
    const settings = config.server;
    this.settings = settings;
    this.deps = { ...deps, accessLog: config.log.access };
    this.cors = new Cors(settings.cors_origins);
    this.addresses = new ClientAddresses(settings.trust_proxy, settings.trusted_proxies);
    this.cors.mount(this.app);
  }

  /**
   * Registers the routes, each authenticated and (when on) rate-limited by the router;
   * `others` are paths mounted apart (the real-time doors), which answer other methods 405.
   */
  mount(
    routes: AnyRoute[],
    auth: Pick<RouterDeps, 'keys' | 'jwt' | 'rateLimiting'>,
    others: readonly OtherPath[] = [],
  ): void {
    mountRoutes(
      this.app,
      routes,
      {
        ...this.deps,
        ...auth,
        bodyLimit: this.settings.body_limit,
        addresses: this.addresses,
        cors: this.cors,
        lifecycle: this.lifecycle,
      },
      others,
    );
  }

  /**
   * Binds `server.host:server.port` (0 picks a port) for this process alone; resolves to the
   * port. uWS shares ports by default (SO_REUSEPORT): a second daemon on the same port would
   * start silently and the kernel would split connections between the two.
   */
  async listen(): Promise<number> {
    const { host, port } = this.settings;
    // The typings lack the (host, port, options, cb) form the binary has.
    const listen = this.app.listen as unknown as (
      host: string,
      port: number,
      options: number,
      cb: (socket: uWS.us_listen_socket | false) => void,
    ) => void;
    const socket = await new Promise<uWS.us_listen_socket | false>((resolve) =>
      listen.call(this.app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, resolve),
    );
    if (!socket) throw new Error(await whyNotListening(host, port));
    this.socket = socket;
    return uWS.us_socket_local_port(this.socket);
  }

  /** Stops accepting connections and refuses new requests; false when already draining. */
  stopListening(): boolean {
    if (this.lifecycle.draining) return false;
    this.lifecycle.draining = true;
    if (this.socket) uWS.us_listen_socket_close(this.socket);
    this.socket = null;
    return true;
  }

  /** Waits for requests in flight, up to `server.shutdown_timeout_ms`. */
  async drain(): Promise<void> {
    const deadline = Date.now() + this.settings.shutdown_timeout_ms;
    while (this.lifecycle.inflight > 0 && Date.now() < deadline) await sleep(10);
    if (this.lifecycle.inflight > 0) {
      this.deps.logger.warn(
        { inflight: this.lifecycle.inflight },
        'shutdown timeout: closing with requests in flight',
      );
    }
  }
}

/** uWS says only that it could not listen: asks the OS why, with a plain socket. */
function whyNotListening(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        resolve(
          `port ${port} is in use on ${host}: another notifyd or another program listens there; stop it or choose another port (--port, PORT)`,
        );
      } else if (err.code === 'EACCES') {
        resolve(`port ${port} needs privileges on ${host}; use a port above 1023`);
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        resolve(`${host} is not an address of this machine (server.host)`);
      } else {
        resolve(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`);
      }
    });
    probe.listen({ host, port, exclusive: true }, () => {
      probe.close(() => resolve(`cannot listen on ${host}:${port}`));
    });
  });
}
