/** kill -9 while events are tracked: every batch that got its 202 is stored, on each durable backend. */
import t from 'tap';
import { trackedSurvivesKill9 } from '../helpers/analytics-kill.js';
import { postgres, redis, sqlite } from '../helpers/kill9-backends.js';

t.test('tracked events survive kill -9 on SQLite', sqlite(trackedSurvivesKill9));
t.test('tracked events survive kill -9 on Postgres', postgres(trackedSurvivesKill9));
t.test(
  'tracked events survive kill -9 on Redis (AOF, itself killed too)',
  redis(trackedSurvivesKill9),
);
