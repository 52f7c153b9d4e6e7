import { errors } from '../../http/responses.js';
import type { RealtimeDoor } from './wire.js';

/**
 * The real-time doors in the OpenAPI document (`GET /openapi.json`). OpenAPI describes HTTP
 * exchanges, not what follows an upgrade, so each door is a GET operation saying how it is
 * opened (the token, the query, the headers), what opening answers (101 Switching Protocols;
 * a `text/event-stream`) and what refuses it before it opens. The frames and events are
 * described in docs/realtime.md, which `externalDocs` names.
 */

const FRAMES_DOC = 'docs/realtime.md';

/** The error answers of these statuses, as OpenAPI response objects (the error envelope). */
function refusals(...statuses: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, { description, schema }] of Object.entries(errors(...statuses))) {
    out[status] = { description, content: { 'application/json': { schema } } };
  }
  return out;
}

const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const TOKEN = query(
  'token',
  'The user JWT, when it is not in the Authorization header (or, over WebSocket, the subprotocol or the first frame). It ends up in access logs: prefer the others.',
  { type: 'string' },
);
const LAST_ID = query(
  'last_id',
  'The last notification id the client saw: every notification after it is sent first (up to 500), then `resumed`.',
  { type: 'string', maxLength: 64 },
);
const PRESENCE = query(
  'presence',
  '`true`: the session is told whenever a session of its user opens or closes.',
  { type: 'string', enum: ['true', 'false'] },
);
const CHANNELS = query(
  'channels',
  "Named channels to join at once, comma-separated (at most realtime.max_channels_per_session), each allowed by the token's `channels` claim.",
  { type: 'string' },
);

/** Who a door's protocol is for, and what its frames are. */
function describe(door: RealtimeDoor): { who: string; tag: string } {
  return door.wire.name === 'notifyd'
    ? { who: "notifyd's protocol", tag: 'realtime' }
    : {
        who: `the ${door.wire.name} compatibility protocol (compat.${door.wire.name}.enabled)`,
        tag: door.wire.name,
      };
}

/** 426: a plain GET of a WebSocket path; the answer names the protocol to upgrade to. */
function upgradeRequired(): Record<string, unknown> {
  const [status, answer] = Object.entries(refusals(426))[0]!;
  return {
    [status]: {
      ...(answer as Record<string, unknown>),
      description:
        'UPGRADE_REQUIRED: a GET without `Upgrade: websocket` (the path speaks WebSocket only).',
      headers: {
        Upgrade: {
          description: 'The protocol to upgrade to.',
          schema: { type: 'string', enum: ['websocket'] },
        },
      },
    },
  };
}

function websocket(door: RealtimeDoor) {
  const { who, tag } = describe(door);
  const tokenWhere = door.wire.tokenAtUpgrade
    ? 'The token comes with the upgrade (`?token=` or `Authorization: Bearer`); without one the upgrade is refused with 401.'
    : 'The token may come in the first frame (`{"type":"authenticate","token":…}`, within realtime.auth_timeout_ms), as the subprotocol `bearer.<jwt>` beside `notifyd`, in `Authorization: Bearer`, or as `?token=`; a refused token gets an `error` frame and close 4001.';
  return {
    get: {
      summary: `Real time over WebSocket, in ${who}`,
      description: `Upgrades to a WebSocket (RFC 6455) carrying ${who}'s JSON frames: notifications as they are accepted, read state and unread counts, channel messages, presence. ${tokenWhere} A client that reconnects gives \`last_id\` and misses nothing. Refusals before the upgrade answer with the error envelope; after it, with an \`error\` frame and a close code (${FRAMES_DOC}).`,
      tags: [tag],
      security: [{ userToken: [] }, {}],
      parameters: [
        TOKEN,
        LAST_ID,
        PRESENCE,
        {
          name: 'Sec-WebSocket-Protocol',
          in: 'header',
          required: false,
          description: 'Subprotocols offered: `notifyd`, and the token as `bearer.<jwt>`.',
          schema: { type: 'string' },
        },
      ],
      responses: {
        101: { description: 'Switching Protocols: the WebSocket is open.' },
        ...refusals(...(door.wire.tokenAtUpgrade ? [400, 401, 429, 503] : [400, 429, 503])),
        ...upgradeRequired(),
      },
      externalDocs: { description: 'Frames and close codes', url: FRAMES_DOC },
    },
  };
}

function eventStream(door: RealtimeDoor) {
  const { who, tag } = describe(door);
  return {
    get: {
      summary: `Real time over Server-Sent Events, in ${who}`,
      description: `A \`text/event-stream\` (EventSource) carrying ${who}'s events, for clients behind proxies that block WebSockets. The token is the user JWT in \`Authorization: Bearer\` or \`?token=\`. Notification events carry \`id:\`, so a reconnecting EventSource resumes with \`Last-Event-ID\` (or \`?last_id=\`). Refusals answer with the error envelope before the stream starts (${FRAMES_DOC}).`,
      tags: [tag],
      security: [{ userToken: [] }, {}],
      parameters: [
        TOKEN,
        LAST_ID,
        CHANNELS,
        PRESENCE,
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          description: 'Sent by a reconnecting EventSource: the same as `last_id`, and it wins.',
          schema: { type: 'string', maxLength: 64 },
        },
      ],
      responses: {
        200: {
          description: 'The stream: events until the client goes or the server stops.',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...refusals(400, 401, 403, 429, 503),
      },
      externalDocs: { description: 'Events', url: FRAMES_DOC },
    },
  };
}

/** The OpenAPI path items of every real-time door: WebSocket and SSE. */
export function realtimePaths(doors: readonly RealtimeDoor[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const door of doors) {
    paths[door.ws] = websocket(door);
    paths[door.sse] = eventStream(door);
  }
  return paths;
}
