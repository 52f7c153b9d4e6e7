import t from 'tap';
import { retryAfterMs } from '../../plugins/retry-after.js';

t.test('Retry-After as seconds or as an HTTP date', async (t) => {
  const now = Date.UTC(2026, 11, 6, 1, 0, 0);
  t.equal(retryAfterMs('120', now), 120_000);
  t.equal(retryAfterMs([' 5 '], now), 5000);
  t.equal(retryAfterMs(new Date(now + 30_000).toUTCString(), now), 30_000);
  t.equal(retryAfterMs(new Date(now - 30_000).toUTCString(), now), 0, 'a past date: now');
  t.equal(retryAfterMs('soon', now), undefined);
  t.equal(retryAfterMs('', now), undefined);
  t.equal(retryAfterMs(undefined, now), undefined);
  t.equal(retryAfterMs(null, now), undefined);
});
