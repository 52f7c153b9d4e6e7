import { join } from 'node:path';
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { jobsNodesContract } from './contract/jobs.js';

// Three scheduler nodes, each its own store client, on one sqlite database; one file per
// backend so that each stays well within tap's per-file limit on a loaded machine.
const dir = t.testdir();
let n = 0;
jobsNodesContract(
  t,
  async () => openSqliteStore({ path: join(dir, `jobs-${++n}.db`) }),
  async (store) => openSqliteStore({ path: store.path }),
);
