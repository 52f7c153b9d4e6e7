import type { JwtVerifier } from '../../auth/jwt.js';
import type { Clock } from '../../core/clock.js';
import type { IdGenerator } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Cors } from '../cors.js';
import type { Metrics } from '../metrics.js';

/** What both transports (WebSocket and SSE) are built with, besides their options. */
export interface RealtimeDeps {
  jwt: JwtVerifier;
  metrics: Metrics;
  logger: Logger;
  ids: IdGenerator;
  cors: Cors;
  /** The clock tokens are checked by: a session ends when its token does by this clock. */
  clock: Clock;
}
