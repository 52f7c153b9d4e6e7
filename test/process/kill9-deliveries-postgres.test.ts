/**
 * kill -9 while sending on Postgres: a node sending webhook deliveries to a slow peer is killed
 * with some in flight; another node sends the rest, and sends again only what the dead one
 * held leases on, after they ran out. (One file per backend: each run waits out a lease.)
 */
import t from 'tap';
import { deliveriesSurviveKill9 } from '../helpers/delivery-kill.js';
import { postgres } from '../helpers/kill9-backends.js';

t.test(
  'deliveries survive a node killed while sending on Postgres',
  postgres(deliveriesSurviveKill9),
);
