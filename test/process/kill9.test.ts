import { join } from 'node:path';
import t from 'tap';
import { survivesKill9 } from '../helpers/burst.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/server.js';

t.test('every notification that got a 202 survives kill -9 on SQLite', async (t) => {
  const dir = t.testdir();
  await survivesKill9(t, {
    NOTIFYD_ADMIN_KEY: ADMIN_KEY,
    JWT_SECRET,
    NOTIFYD_STORE__SQLITE__PATH: join(dir, 'notifyd.db'),
    NOTIFYD_AUTH__BOOTSTRAP_KEY_FILE: '',
  });
});
