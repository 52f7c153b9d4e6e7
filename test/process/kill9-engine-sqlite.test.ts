/**
 * kill -9 during the engine's sends on SQLite: routed sends (in_app + push + email, recipients
 * with a device) and a topic send killed midway. (One file per backend: together they
 * outlasted tap's per-file limit on a loaded machine.)
 */
import t from 'tap';
import { routedSurvivesKill9, topicSurvivesKill9 } from '../helpers/engine-kill.js';
import { sqlite } from '../helpers/kill9-backends.js';

t.test('a routed send survives kill -9 on SQLite', sqlite(routedSurvivesKill9));
t.test('a topic send killed midway finishes once on SQLite', sqlite(topicSurvivesKill9));
