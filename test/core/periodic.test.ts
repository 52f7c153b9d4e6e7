import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createLogger } from '../../src/core/logger.js';
import { runPeriodically } from '../../src/core/periodic.js';

t.test('a run still going makes the next skip; a failure is logged and tried again', async (t) => {
  const lines: Array<{ level: string; msg: string }> = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  let running = 0;
  let most = 0;
  let runs = 0;
  const stop = runPeriodically(
    async () => {
      runs++;
      running++;
      most = Math.max(most, running);
      await sleep(25); // longer than the period
      running--;
      if (runs === 1) throw new Error('first run fails');
    },
    5,
    logger,
    'the task failed; will retry',
  );
  while (runs < 3) await sleep(5);
  stop();
  const after = runs;
  await sleep(40);
  t.equal(most, 1, 'never two runs at once');
  t.ok(runs <= after + 1, 'stopped: at most the run under way finishes');
  t.match(lines, [{ level: 'warn', msg: 'the task failed; will retry' }]);
  t.equal(lines.length, 1, 'later runs succeeded');
});
