import t from 'tap';
import { runCli } from '../../src/cli/program.js';
import { cliIO } from '../helpers/cli.js';

t.test('an unknown command exits 1 with one line, even with --help', async (t) => {
  for (const argv of [['frobnicate', '--help'], ['frobnicate'], ['reprot', 'generate', '--json']]) {
    const r = cliIO();
    t.equal(await runCli(argv, r.io), 1, argv.join(' '));
    t.equal(r.out(), '', 'no help on stdout');
    t.equal(r.err(), `notifyd: unknown command '${argv[0]}' (notifyd --help lists the commands)\n`);
  }
});

t.test('known commands and the top-level help still work', async (t) => {
  const help = cliIO();
  await runCli(['--help'], help.io);
  t.match(help.out(), /Usage: notifyd/);
  const sub = cliIO();
  await runCli(['keys', '--help'], sub.io);
  t.match(sub.out(), /Usage: notifyd keys/);
  const report = cliIO();
  t.equal(await runCli(['report', '--help'], report.io), 0);
  t.match(report.out(), /Usage: notifyd report/);
  const version = cliIO();
  t.equal(await runCli(['--version'], version.io), 0);
});

t.test('each group says what its commands do', async (t) => {
  // `ratelimit` has adjust, check and status: its line said "adjustments (and checks)".
  const help = cliIO();
  await runCli(['--help'], help.io);
  t.match(
    help.out(),
    /ratelimit\s+rate limiting: temporary adjustments, checks and where a\s+subject stands/,
  );
});
