import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse } from 'yaml';
import {
  envNames,
  loadConfig,
  OPTIONS,
  renderDefaultYaml,
  renderExampleYaml,
  renderOptionsTable,
  replaceOptionsSection,
} from '../../src/config/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const get = (tree: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree);

/** The committed documents and what the renderers make of OPTIONS now. */
const documents: [file: string, expected: () => string][] = [
  ['config/default.yaml', renderDefaultYaml],
  ['ara.example.yaml', renderExampleYaml],
  ['README.md', () => replaceOptionsSection(readFileSync(`${root}README.md`, 'utf8'))],
];

if (process.env.UPDATE_CONFIG_DOCS === '1') {
  for (const [file, expected] of documents) writeFileSync(`${root}${file}`, expected());
}

t.test('the committed documents are what OPTIONS renders', async (t) => {
  for (const [file, expected] of documents) {
    t.equal(
      readFileSync(`${root}${file}`, 'utf8'),
      expected(),
      `${file} matches src/config/options.ts (if not, run: UPDATE_CONFIG_DOCS=1 npx tap test/config/docs.test.ts)`,
    );
  }
});

t.test('both YAML files hold every option at its default, and load', async (t) => {
  const defaults = parse(renderDefaultYaml());
  for (const o of OPTIONS) t.same(get(defaults, o.path), o.default, o.path);
  // The example holds the defaults too, except where an option names its example value
  // (compat.ara.enabled: the example is an Ara deployment's configuration).
  const example = parse(renderExampleYaml());
  for (const o of OPTIONS) t.same(get(example, o.path), o.example ?? o.default, o.path);
  t.same(
    OPTIONS.filter((o) => o.example !== undefined).map((o) => o.path),
    ['compat.ara.enabled'],
  );
  const dir = t.testdir({ 'example.yaml': renderExampleYaml() });
  t.ok(loadConfig({ file: 'example.yaml', env: {}, cwd: dir }));
});

t.test('the example names every option with its doc and environment names', async (t) => {
  const example = renderExampleYaml();
  const flat = example.replace(/\n *# /g, ' ');
  for (const o of OPTIONS) {
    t.match(flat, o.doc, o.path);
    for (const name of envNames(o)) t.match(example, name, `${o.path}: ${name}`);
  }
  t.match(example, /Precedence, weakest first: built-in defaults, this file, environment/);
  t.match(example, 'DATABASE_URL');
});

t.test('the table has a row per option with its environment names and default', async (t) => {
  const table = renderOptionsTable();
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  t.equal(rows.length, OPTIONS.length);
  const cells = (key: string) =>
    rows
      .find((r) => r.startsWith(`| \`${key}\` `))
      ?.split(' | ')
      .map((c) => c.replace(/^\| /, '').trim());
  t.same(cells('server.port')?.slice(0, 3), [
    '`server.port`',
    '`NOTIFYD_SERVER__PORT`, `PORT`',
    '`8080`',
  ]);
  t.same(cells('auth.jwt.algorithms')?.slice(1, 3), [
    '`NOTIFYD_AUTH__JWT__ALGORITHMS`',
    '`HS256, RS256, ES256`',
  ]);
  t.same(cells('auth.admin_key')?.slice(1, 3), [
    '`NOTIFYD_AUTH__ADMIN_KEY`, `NOTIFYD_ADMIN_KEY`',
    '(empty)',
  ]);
  t.match(cells('store.sqlite.path')?.[3], 'resolved against the working directory');
});

t.test('replaceOptionsSection keeps the rest of the README', async (t) => {
  const readme = '# x\n\nbefore\n<!-- options:start -->\nOLD TABLE\n<!-- options:end -->\nafter\n';
  const updated = replaceOptionsSection(readme);
  t.match(updated, /^# x\n\nbefore\n<!-- options:start -->\nEvery option, its/);
  t.match(
    updated,
    /\| `triggers.redis.lease_ttl_ms` .*\|\n<!-- options:end -->\nafter\n$/,
    'the last option closes the table',
  );
  t.notMatch(updated, 'OLD TABLE');
  t.throws(() => replaceOptionsSection('# no markers\n'), /no <!-- options:start -->/);
});
