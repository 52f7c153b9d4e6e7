import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const clientDir = new URL('../../src/client/', import.meta.url);

t.test('the client imports only its own files: no node: modules, no server code', async (t) => {
  let imports = 0;
  for (const file of await readdir(clientDir)) {
    const source = await readFile(new URL(file, clientDir), 'utf8');
    const specifiers = [...source.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map(
      (m) => m[1]!,
    );
    for (const spec of specifiers) t.match(spec, /^\.\/[a-z-]+\.js$/, `${file} imports ${spec}`);
    imports += specifiers.length;
  }
  t.ok(imports > 10, 'the pattern finds the imports');
});

t.test("'notifyd/client' resolves to the build through the package exports", async (t) => {
  // A separate node, as a user of the package would run it, on the build that `npm test`
  // makes before tap; its own minimal environment keeps it out of this run's coverage.
  const script = [
    "const m = await import('notifyd/client');",
    "console.log(JSON.stringify({ resolved: import.meta.resolve('notifyd/client'),",
    '  exports: Object.keys(m).sort() }));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url),
    env: { PATH: process.env.PATH ?? '' },
  });
  const out = JSON.parse(stdout) as { resolved: string; exports: string[] };
  t.match(out.resolved, /\/dist\/src\/client\/index\.js$/);
  t.same(out.exports, [
    'AccountApi',
    'FeedApi',
    'NotifydApiError',
    'NotifydRealtimeClient',
    'RealtimeError',
    'createClient',
  ]);
});
