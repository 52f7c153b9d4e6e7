import type { TemplatedApp } from 'uWebSockets.js';
import { NotifydError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import { screen } from '../framing.js';
import { type ResponseState, writeError } from '../http.js';

/**
 * Answers a plain GET of a WebSocket path (no `Upgrade: websocket`) with 426 Upgrade
 * Required, the error envelope and `Upgrade: websocket` (RFC 9110 §15.5.22), instead of the
 * 404 the router's fallback gave: the path exists, it only speaks WebSocket. uWS hands a
 * request without a WebSocket key on from the path's WebSocket handler to this one.
 */
export function refuseWithoutUpgrade(app: TemplatedApp, path: string, ids: IdGenerator): void {
  app.get(path, (res, req) => {
    const state: ResponseState = { aborted: false, done: false };
    res.onAborted(() => {
      state.aborted = true;
    });
    const malformed = screen(res, req);
    if (malformed === 'dropped') return;
    if (malformed) return writeError(res, state, malformed, ids('req'), {}, true);
    writeError(
      res,
      state,
      new NotifydError(
        'UPGRADE_REQUIRED',
        `${path} speaks WebSocket only: open it with an Upgrade: websocket request (or use the SSE stream).`,
        { upgrade: 'websocket' },
      ),
      ids('req'),
      { upgrade: 'websocket', connection: 'Upgrade' },
    );
  });
}
