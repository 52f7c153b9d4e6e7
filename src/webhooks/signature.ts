import { createHmac } from 'node:crypto';

/**
 * The `x-notifyd-signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * keyed with the webhook's secret. Signing the time with the body lets a receiver refuse
 * a replayed delivery (an old `t`) as well as a forged one.
 */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}
