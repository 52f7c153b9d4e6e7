import { createHmac, timingSafeEqual } from 'node:crypto';
import { NotifydError } from '../core/errors.js';

/**
 * Feed cursors: the last id of a page, signed so that a client cannot forge a position
 * (a tampered cursor is INVALID_CURSOR, not a silently wrong page).
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, 12);
  }

  encode(lastId: string): string {
    const payload = Buffer.from(lastId);
    return `${payload.toString('base64url')}.${this.sign(lastId).toString('base64url')}`;
  }

  /** The id the cursor points after; throws INVALID_CURSOR for anything not issued here. */
  decode(cursor: string): string {
    const [body, mac, extra] = cursor.split('.');
    if (!body || !mac || extra !== undefined) throw new NotifydError('INVALID_CURSOR');
    const id = Buffer.from(body, 'base64url').toString();
    const expected = this.sign(id);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new NotifydError('INVALID_CURSOR');
    }
    return id;
  }
}
