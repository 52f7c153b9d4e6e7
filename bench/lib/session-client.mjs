// A client process holding many authenticated WebSocket sessions (raw-ws.mjs) for
// ws-sessions.mjs and fanout.mjs, driven by its parent over IPC, so that the sessions'
// client side runs outside both the daemon and the process that measures it.
//
// Messages from the parent (each answered with `{ reply: <cmd>, ... }`):
//   prepare { users: [from, to), channel? }  signs one JWT per user (channels claim)
//   connect { port, concurrency }            opens, authenticates (and subscribes) them
//   expect  { frames }                       answers once this many data frames came
//   stop                                     closes every session and exits
import process from 'node:process';
import { SignJWT } from 'jose';
import { JWT_SECRET } from './daemon.mjs';
import { RawSession, textFrame } from './raw-ws.mjs';

const FIRST_LOCAL = 2; // 127.0.0.2 …: several source addresses keep clear of port reuse
const LOCAL_ADDRESSES = 8;

let tokens = [];
let channel = null;
let from = 0;
const sessions = [];
const failures = [];
let frames = 0;
let firstAt = 0n;
let lastAt = 0n;
let expected = Number.POSITIVE_INFINITY;

const reply = (cmd, body = {}) => process.send({ reply: cmd, ...body });

function onCount(n, at) {
  if (frames === 0) firstAt = at;
  frames += n;
  lastAt = at;
  if (frames >= expected) {
    expected = Number.POSITIVE_INFINITY;
    reply('expect', { frames, firstAt: String(firstAt), lastAt: String(lastAt) });
  }
}

async function prepare(msg) {
  from = msg.users[0];
  channel = msg.channel ?? null;
  const key = new TextEncoder().encode(JWT_SECRET);
  tokens = [];
  for (let u = msg.users[0]; u < msg.users[1]; u++) {
    tokens.push(
      await new SignJWT(channel ? { channels: [channel] } : {})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`user-${u}`)
        .setExpirationTime('1h')
        .sign(key),
    );
  }
  reply('prepare', { count: tokens.length });
}

async function openOne(port, index) {
  const session = new RawSession(onCount);
  const localAddress = `127.0.0.${FIRST_LOCAL + ((from + index) % LOCAL_ADDRESSES)}`;
  await session.connect({ port, path: `/api/v1/ws?token=${tokens[index]}`, localAddress });
  const first = await session.nextText();
  if (!first.includes('"authenticated"')) throw new Error(`not authenticated: ${first}`);
  if (channel) {
    session.send(textFrame(JSON.stringify({ type: 'subscribe', channel })));
    const answer = await session.nextText();
    if (!answer.includes('"subscribed"')) throw new Error(`not subscribed: ${answer}`);
  }
  session.count();
  return session;
}

async function connect(msg) {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const index = next++;
      try {
        sessions.push(await openOne(msg.port, index));
      } catch (err) {
        if (failures.length < 20) failures.push(`user-${from + index}: ${err.message}`);
        else failures.push('');
      }
    }
  };
  await Promise.all(Array.from({ length: msg.concurrency }, worker));
  reply('connect', {
    open: sessions.length,
    failed: failures.length,
    failures: failures.slice(0, 20),
  });
}

process.on('message', (msg) => {
  switch (msg.cmd) {
    case 'prepare':
      prepare(msg);
      break;
    case 'connect':
      connect(msg);
      break;
    case 'expect':
      expected = msg.frames;
      if (frames >= expected) onCount(0, lastAt);
      break;
    case 'status':
      reply('status', {
        frames,
        firstAt: String(firstAt),
        lastAt: String(lastAt),
        closed: sessions.filter((s) => s.closed).length,
        closeReasons: [
          ...new Set(sessions.filter((s) => s.closed).map((s) => s.closeReason)),
        ].slice(0, 5),
        cpu: process.cpuUsage(),
      });
      break;
    case 'stop':
      for (const s of sessions) s.destroy();
      process.exit(0);
  }
});
