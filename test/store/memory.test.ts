import t from 'tap';
import { createMemoryStore } from '../../src/store/memory/index.js';
import { contract } from './contract.js';

contract(t, async () => createMemoryStore());

t.test('the memory store names its backend', async (t) => {
  const store = createMemoryStore();
  t.equal(store.backend, 'memory');
  await store.close();
});
