/**
 * The documents made from OPTIONS: config/default.yaml, ara.example.yaml and the README's
 * options table. A test keeps the committed files equal to what these functions return.
 */
import { stringify } from 'yaml';
import { markdownTable } from '../core/markdown.js';
import { DATABASE_URL_SETS } from '../store/database-url.js';
import { envNames } from './env.js';
import { OPTIONS, type OptionSpec } from './options.js';

/** Every variable that sets an option, for the docs (DATABASE_URL included). */
function docEnvNames(o: OptionSpec): string[] {
  return [...envNames(o), ...(DATABASE_URL_SETS.includes(o.path) ? ['DATABASE_URL'] : [])];
}

/** What the docs add to an option's own sentence: its values, paths, secrecy. */
function notes(o: OptionSpec): string[] {
  const out: string[] = [];
  if (o.type === 'integer' && o.min !== undefined && o.max !== undefined) {
    out.push(`Integer from ${o.min} to ${o.max}.`);
  }
  if (o.type === 'enum') out.push(`One of: ${(o.values ?? []).join(', ')}.`);
  if (o.type === 'boolean') out.push('Boolean: true or false.');
  if (o.type === 'list') out.push('A list; in the environment, comma-separated.');
  if (o.type === 'objects') out.push('A list of mappings; in the environment, as JSON.');
  if (o.file) out.push('A relative path is resolved against the working directory.');
  if (o.secret) out.push('Secret: never printed; prefer setting it in the environment.');
  return out;
}

/** A value as YAML, on one line (lists in flow style). */
function yamlValue(value: OptionSpec['default']): string {
  if (Array.isArray(value)) return `[${value.map(yamlValue).join(', ')}]`;
  return stringify(value).trimEnd();
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return line ? [...lines, line] : lines;
}

/** Renders every option as nested YAML; `comment` gives the lines above each key. */
function renderYaml(
  header: string[],
  comment: (o: OptionSpec) => string[],
  gap: boolean,
  value: (o: OptionSpec) => OptionSpec['default'] = (o) => o.default,
): string {
  const out = header.map((l) => (l ? `# ${l}` : '#'));
  let open: string[] = [];
  for (const o of OPTIONS) {
    const parts = o.path.split('.');
    const sections = parts.slice(0, -1);
    let same = 0;
    while (same < open.length && open[same] === sections[same]) same++;
    if (same === 0 || gap) out.push('');
    for (let i = same; i < sections.length; i++) out.push(`${'  '.repeat(i)}${sections[i]}:`);
    open = sections;
    const indent = '  '.repeat(sections.length);
    for (const line of comment(o).flatMap((c) => wrap(c, 92 - indent.length))) {
      out.push(`${indent}# ${line}`);
    }
    out.push(`${indent}${parts[parts.length - 1]}: ${yamlValue(value(o))}`);
  }
  return `${out.join('\n')}\n`;
}

/** config/default.yaml: every option with its default, its doc as a comment. */
export function renderDefaultYaml(): string {
  return renderYaml(
    [
      'notifyd built-in defaults. Generated from src/config/options.ts: do not edit.',
      'notifyd does not read this file; it shows what each option is when nothing sets it.',
      'To write your own configuration, start from ara.example.yaml.',
    ],
    (o) => [o.doc],
    false,
  );
}

/** ara.example.yaml: an annotated configuration with every option, its values and env names. */
export function renderExampleYaml(): string {
  return renderYaml(
    [
      'notifyd configuration example. Generated from src/config/options.ts: do not edit.',
      '',
      'Copy it to notifyd.yaml in the working directory, or pass --config FILE, or set',
      'NOTIFYD_CONFIG=FILE. Every option is shown with its default; delete what you keep.',
      '',
      'Precedence, weakest first: built-in defaults, this file, environment variables.',
      'Every option has an environment name: NOTIFYD_ + its path in upper case with __',
      'between levels (NOTIFYD_SERVER__PORT=9000); some also have a common name (PORT=9000).',
      'When both are set, the NOTIFYD_ name wins. DATABASE_URL=sqlite:PATH sets the SQLite',
      'file and selects the sqlite backend. An empty variable counts as unset, except for',
      'text options. Relative paths are resolved against the working directory.',
      '',
      'Unknown keys are errors. Check a file with: notifyd config check --config FILE',
    ],
    (o) => [
      o.doc,
      [
        ...notes(o),
        ...(o.example !== undefined ? [`Default: ${yamlValue(o.default)}.`] : []),
        `Env: ${docEnvNames(o).join(', ')}.`,
      ].join(' '),
    ],
    true,
    (o) => o.example ?? o.default,
  );
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The README's options section: how options are set, then a table of every option. */
export function renderOptionsTable(): string {
  const rows = OPTIONS.map((o) => {
    const env = docEnvNames(o)
      .map((n) => `\`${n}\``)
      .join(', ');
    const def = Array.isArray(o.default) ? o.default.join(', ') : String(o.default);
    const shown = def === '' ? '(empty)' : `\`${cell(def)}\``;
    return [`\`${o.path}\``, env, shown, cell([o.doc, ...notes(o)].join(' '))];
  });
  return [
    'Every option, its environment names and its default. When a `NOTIFYD_` name and a',
    'common name are both set, the `NOTIFYD_` name wins; an empty variable counts as unset,',
    'except for text options. Relative paths are resolved against the working directory. The',
    'file is `--config FILE`, else `NOTIFYD_CONFIG`, else `./notifyd.yaml` when present;',
    '`notifyd config check` validates it, file and environment together.',
    '',
    ...markdownTable(['Key', 'Environment', 'Default', 'Description'], rows),
    '',
  ].join('\n');
}

/** `readme` with the text between its options markers replaced by the generated table. */
export function replaceOptionsSection(readme: string): string {
  const start = '<!-- options:start -->';
  const end = '<!-- options:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
  return `${readme.slice(0, from + start.length)}\n${renderOptionsTable()}${readme.slice(to)}`;
}
