import t from 'tap';
import { requireRedis } from '../../helpers/services.js';
import { mixedLoad } from './load.js';

t.test(
  '1,000 Ara clients under a mixed load: no failure, every delivery counted (redis)',
  async (t) => {
    if (!(await requireRedis(t))) return;
    await mixedLoad(t, 'redis');
  },
);
