/**
 * The JSON schema of the configuration, built from OPTIONS: every level closed to unknown
 * keys, enums and integer bounds included. Ajv's findings become ConfigIssues.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { ConfigIssue } from './errors.js';
import { getPath, OPTION_BY_PATH, SECTION_PATHS, showValue } from './option-tree.js';
import { OPTIONS, type OptionSpec } from './options.js';
import { closest } from './suggest.js';

/** A JSON schema node; only the keywords this file writes. */
export interface JsonSchema {
  type: 'object' | 'string' | 'integer' | 'boolean' | 'array';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: false;
  enum?: readonly string[];
  /** A list's items: strings, or an `objects` option's item schema (TypeBox, i.e. JSON schema). */
  items?: JsonSchema | object;
  minimum?: number;
  maximum?: number;
  description?: string;
}

function leafSchema(o: OptionSpec): JsonSchema {
  const description = o.doc;
  switch (o.type) {
    case 'integer':
      return {
        type: 'integer',
        ...(o.min === undefined ? {} : { minimum: o.min }),
        ...(o.max === undefined ? {} : { maximum: o.max }),
        description,
      };
    case 'enum':
      return { type: 'string', enum: o.values ?? [], description };
    case 'list':
      return { type: 'array', items: { type: 'string' }, description };
    case 'objects':
      return { type: 'array', items: o.item ?? { type: 'object' }, description };
    default:
      return { type: o.type, description };
  }
}

type Section = JsonSchema & { properties: Record<string, JsonSchema>; required: string[] };

const section = (): Section => ({
  type: 'object',
  properties: {},
  required: [],
  additionalProperties: false,
});

/** The schema of a whole configuration file (after defaults, every key is required). */
export function configSchema(): JsonSchema {
  const root = section();
  for (const o of OPTIONS) {
    const parts = o.path.split('.');
    const leaf = parts.pop() as string;
    let node = root;
    for (const part of parts) {
      if (!node.properties[part]) {
        node.properties[part] = section();
        node.required.push(part);
      }
      node = node.properties[part] as Section;
    }
    node.properties[leaf] = leafSchema(o);
    node.required.push(leaf);
  }
  return root;
}

const validate = new Ajv({ allErrors: true, strict: true }).compile(configSchema());

/**
 * Checks a merged configuration against the schema. `label` names where a path's value came
 * from (e.g. `PORT (server.port)`); one issue per key, the first Ajv reports.
 */
export function schemaIssues(tree: unknown, label: (path: string) => string): ConfigIssue[] {
  if (validate(tree)) return [];
  const byKey = new Map<string, ConfigIssue>();
  for (const e of validate.errors ?? []) {
    const issue = describe(e, tree, label);
    if (!byKey.has(issue.key)) byKey.set(issue.key, issue);
  }
  return [...byKey.values()];
}

const KNOWN_PATHS = [...OPTION_BY_PATH.keys(), ...SECTION_PATHS];

function describe(e: ErrorObject, tree: unknown, label: (path: string) => string): ConfigIssue {
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  const inItem = itemIssue(e, parts, label);
  if (inItem) return inItem;
  if (e.keyword === 'additionalProperties') {
    const path = [...parts, (e.params as { additionalProperty: string }).additionalProperty].join(
      '.',
    );
    const leaf = path.split('.').pop() as string;
    const near =
      closest(path, KNOWN_PATHS) ?? OPTIONS.find((o) => o.path.endsWith(`.${leaf}`))?.path;
    // An unknown key may be a misspelt secret, so its value is not shown.
    return {
      key: label(path),
      value: '',
      reason: `unknown option${near ? `; did you mean ${near}?` : ''}`,
    };
  }
  // A list item (`auth.jwt.algorithms/0`) is reported against its list.
  const optionAt = parts.findIndex((_, i) => OPTION_BY_PATH.has(parts.slice(0, i + 1).join('.')));
  const path = (optionAt >= 0 ? parts.slice(0, optionAt + 1) : parts).join('.');
  const index = optionAt >= 0 ? parts[optionAt + 1] : undefined;
  const list = getPath(tree, path);
  const value = showValue(path, index === undefined ? list : (list as unknown[])[Number(index)]);
  const key = `${label(path)}${index === undefined ? '' : `[${index}]`}`;
  return { key, value, reason: reasonFor(e, path, index !== undefined) };
}

/**
 * An error inside one item of an `objects` option (`providers.push[0].plugin`): named by the
 * item and the key, its value shown unless the key may hold a secret.
 */
function itemIssue(
  e: ErrorObject,
  parts: string[],
  label: (path: string) => string,
): ConfigIssue | null {
  const at = parts.findIndex(
    (_, i) => OPTION_BY_PATH.get(parts.slice(0, i + 1).join('.'))?.type === 'objects',
  );
  if (at < 0 || parts.length < at + 2) return null;
  const path = parts.slice(0, at + 1).join('.');
  const inner = parts.slice(at + 2);
  if (e.keyword === 'additionalProperties') {
    inner.push((e.params as { additionalProperty: string }).additionalProperty);
  } else if (e.keyword === 'required') {
    inner.push((e.params as { missingProperty: string }).missingProperty);
  }
  const key = `${label(path)}[${parts[at + 1]}]${inner.map((k) => `.${k}`).join('')}`;
  const reason =
    e.keyword === 'additionalProperties'
      ? 'unknown key'
      : e.keyword === 'required'
        ? 'is required'
        : (e.message ?? 'is not valid');
  return { key, value: '', reason };
}

function reasonFor(e: ErrorObject, path: string, isItem: boolean): string {
  const option = OPTION_BY_PATH.get(path);
  switch (e.keyword) {
    case 'type':
      if (!option) return 'must be a section (a mapping of options)';
      if (option.type === 'list' && !isItem) return 'must be a list of strings';
      if (option.type === 'boolean') return 'must be true or false';
      if (option.type === 'integer') return 'must be an integer';
      return 'must be a string (quote it in YAML)';
    case 'enum':
      return `must be one of: ${(option?.values ?? []).join(', ')}`;
    case 'minimum':
    case 'maximum':
      if (option?.min !== undefined && option.max !== undefined) {
        return `must be between ${option.min} and ${option.max}`;
      }
      return `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${e.params.limit}`;
    case 'required':
      return `is missing ${(e.params as { missingProperty: string }).missingProperty}`;
    default:
      return e.message ?? 'is not valid';
  }
}
