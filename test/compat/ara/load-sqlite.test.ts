import t from 'tap';

import { mixedLoad } from './load.js';

t.test(
  '1,000 Ara clients under a mixed load: no failure, every delivery counted (sqlite)',
  async (t) => {
    await mixedLoad(t, 'sqlite');
  },
);
