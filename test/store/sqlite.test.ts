import { join } from 'node:path';
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { contract } from './contract.js';

const dir = t.testdir();
let n = 0;

contract(t, async () => openSqliteStore({ path: join(dir, `store-${++n}.db`) }), {
  reopen: async (closed) => openSqliteStore({ path: closed.path }),
});
