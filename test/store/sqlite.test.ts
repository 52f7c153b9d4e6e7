import { join } from 'node:path';
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { contract } from './contract.js';

// Every test opens its own database (and checkpoint worker): on a loaded two-core machine
// the whole contract takes close to the default 120 s, so this file gets more.
t.setTimeout(300_000);

const dir = t.testdir();
let n = 0;

contract(t, async () => openSqliteStore({ path: join(dir, `store-${++n}.db`) }), {
  reopen: async (closed) => openSqliteStore({ path: closed.path }),
});
