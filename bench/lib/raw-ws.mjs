// A minimal WebSocket client over a raw TCP socket, for benchmarks that hold thousands of
// sessions: it does the opening handshake, reads the first frames (authenticated,
// subscribed) in full, then only counts the server's data frames by their 2–10 byte
// headers and skips their payloads without decoding them. A full client (ws) spends more
// CPU per frame than the daemon does to send it, which would make it the bottleneck.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/**
 * One masked client frame. The masking key is all zeros, which RFC 6455 allows on the wire
 * (the key is not checked) and which leaves the payload as it is: no XOR pass to pay for.
 */
function clientFrame(opcode, payload) {
  const body = Buffer.from(payload);
  if (body.length > 125) throw new Error('client frames here are short');
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | body.length, 0, 0, 0, 0]), body]);
}

/** A text frame to send on a RawSession (e.g. a subscribe). */
export const textFrame = (text) => clientFrame(OP_TEXT, text);

/**
 * One session. `connect()` resolves once the 101 came; `nextText()` resolves to the next
 * text frame's payload as a string (while not counting); `count()` switches to counting:
 * from then on every complete data frame bumps `frames` and the receipt time of the last one
 * (process.hrtime.bigint(), monotonic and the same clock in every process on the machine).
 */
export class RawSession {
  frames = 0;
  lastAt = 0n;
  closed = false;
  closeReason = '';
  counting = false;
  #socket = null;
  #head = null; // an incomplete frame header carried to the next chunk
  #skip = 0; // payload bytes of the current counted frame still to skip
  #payload = null; // { opcode, need, parts } while reading a whole frame
  #waiters = [];
  #texts = [];
  #onCount;

  /** `onCount(n, at)` hears every chunk that completed n counted frames. */
  constructor(onCount = () => {}) {
    this.#onCount = onCount;
  }

  connect({ port, path, localAddress, timeoutMs = 30_000 }) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress, noDelay: true });
      this.#socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('handshake timed out'));
      }, timeoutMs);
      let response = Buffer.alloc(0);
      const onHandshake = (chunk) => {
        response = Buffer.concat([response, chunk]);
        const end = response.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        socket.off('data', onHandshake);
        const status = response.subarray(0, response.indexOf('\r\n')).toString();
        if (!status.startsWith('HTTP/1.1 101')) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        socket.on('data', (c) => this.#onData(c));
        resolve();
        const rest = response.subarray(end + 4);
        if (rest.length > 0) this.#onData(rest);
      };
      socket.on('data', onHandshake);
      socket.on('error', (err) => {
        clearTimeout(timer);
        this.closeReason ||= err.message;
        reject(err);
      });
      socket.on('close', () => {
        this.closed = true;
        this.closeReason ||= 'socket closed';
        for (const w of this.#waiters.splice(0)) w.reject(new Error(this.closeReason));
      });
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      );
    });
  }

  /** The next text frame, whole (only before `count()`). */
  nextText(timeoutMs = 30_000) {
    if (this.#texts.length > 0) return Promise.resolve(this.#texts.shift());
    if (this.closed) return Promise.reject(new Error(this.closeReason));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
      this.#waiters.push({
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(frame) {
    this.#socket.write(frame);
  }

  count() {
    this.counting = true;
  }

  destroy() {
    this.#socket?.destroy();
  }

  #onData(chunk) {
    let buf = chunk;
    if (this.#head) {
      buf = Buffer.concat([this.#head, chunk]);
      this.#head = null;
    }
    let i = 0;
    let counted = 0;
    while (i < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - i);
        this.#skip -= n;
        i += n;
        if (this.#skip === 0) counted++;
        continue;
      }
      if (this.#payload) {
        const p = this.#payload;
        const n = Math.min(p.need, buf.length - i);
        p.parts.push(buf.subarray(i, i + n));
        p.need -= n;
        i += n;
        if (p.need === 0) {
          this.#payload = null;
          this.#whole(p.opcode, Buffer.concat(p.parts));
        }
        continue;
      }
      const avail = buf.length - i;
      if (avail < 2) {
        this.#head = Buffer.from(buf.subarray(i));
        break;
      }
      const opcode = buf[i] & 0x0f;
      let len = buf[i + 1] & 0x7f;
      let headerLength = 2;
      if (len === 126) headerLength = 4;
      else if (len === 127) headerLength = 10;
      if (avail < headerLength) {
        this.#head = Buffer.from(buf.subarray(i));
        break;
      }
      if (len === 126) len = buf.readUInt16BE(i + 2);
      else if (len === 127) len = Number(buf.readBigUInt64BE(i + 2));
      i += headerLength;
      const data = opcode === OP_TEXT || opcode === OP_BINARY || opcode === 0;
      if (this.counting && data) {
        if (len === 0) counted++;
        else this.#skip = len;
      } else if (len === 0) {
        this.#whole(opcode, Buffer.alloc(0));
      } else {
        this.#payload = { opcode, need: len, parts: [] };
      }
    }
    if (counted > 0) {
      this.frames += counted;
      this.lastAt = process.hrtime.bigint();
      this.#onCount(counted, this.lastAt);
    }
  }

  #whole(opcode, payload) {
    if (opcode === OP_PING) {
      this.#socket.write(clientFrame(OP_PONG, payload));
    } else if (opcode === OP_CLOSE) {
      this.closeReason = `close ${payload.length >= 2 ? payload.readUInt16BE(0) : ''} ${payload.subarray(2)}`;
      this.#socket.end();
    } else if (opcode === OP_TEXT) {
      const text = payload.toString('utf8');
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(text);
      else this.#texts.push(text);
    }
  }
}
