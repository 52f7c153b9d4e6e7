/**
 * Every operation `/openapi.json` describes, sent a few junk requests: junk path parameters,
 * junk queries, bodies of the wrong types, deeply nested and with huge strings. None may
 * answer 5xx; every 4xx carries the JSON error envelope; none may hang. The requests are
 * chosen by a seeded generator, so a failure names what to replay.
 */
import t from 'tap';
import { rng } from '../helpers/random.js';
import { type RawAnswer, rawRequest } from '../helpers/raw-http.js';
import { ADMIN_KEY } from '../helpers/server.js';
import { serverOn } from '../recipients/servers.js';

type Random = () => number;
const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** The part of JSON Schema the document uses. */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: { type: string; schema: Schema } | null;
  security: Array<Record<string, unknown>>;
}

/** What the server answered, or why it did not. */
type Answer = RawAnswer;

const PER_REQUEST_MS = 10_000;
/** Over `server.body_limit` is refused before parsing: stay under it to reach the validators. */
const HUGE = 'x'.repeat(200_000);
const LONG = 'é'.repeat(5_000);

/** JSON nested `depth` levels, as text (past 64 levels notifyd refuses to parse it). */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Path parameters no route should take for an id. */
const JUNK_SEGMENTS = [
  '%ZZ',
  '%00',
  '%F0%9F%92%A9',
  '..%2F..%2Fetc%2Fpasswd',
  'x'.repeat(3000),
  '__proto__',
  'constructor',
  '-1',
  '0',
  '1e999',
  '%20',
  "a'%20OR%20'1'='1",
  'null',
  '%C0%AF',
  '%ED%A0%80',
];

/** Values of the wrong type, whatever a field expects. */
const WRONG: unknown[] = [
  null,
  true,
  -1,
  1.5,
  2 ** 64,
  '',
  'not-what-was-asked',
  [],
  [null],
  {},
  // An own `__proto__` key, as JSON.parse makes one (a literal would set the prototype).
  JSON.parse('{"__proto__":{"polluted":1}}'),
  { constructor: { prototype: { polluted: 1 } } },
  '\u0000\ud800',
  HUGE,
];

/** Query values that are no parameter's. */
const JUNK_QUERY = [
  'abc',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'maybe',
  '%ZZ',
  '%00',
  'x'.repeat(5000),
  '9999-99-99T99:99:99Z',
  '[]',
  '{}',
];

function typesOf(s: Schema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (s.type) return [s.type];
  if (s.properties) return ['object'];
  return [];
}

/** A value the schema plausibly takes (the request is then junk in one place only). */
function sample(s: Schema, r: Random, depth = 0): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return pick(r, s.enum);
  const options = s.anyOf ?? s.oneOf;
  if (options?.length) {
    const real = options.filter((o) => !typesOf(o).includes('null'));
    return sample(pick(r, real.length ? real : options), r, depth);
  }
  const type = typesOf(s).find((x) => x !== 'null') ?? 'any';
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth > 5) return out;
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(name) || r() < 0.5) out[name] = sample(prop, r, depth + 1);
      }
      return out;
    }
    case 'array': {
      if (depth > 5 || !s.items) return [];
      const n = Math.max(1, s.minItems ?? 1);
      return Array.from({ length: n }, () => sample(s.items!, r, depth + 1));
    }
    case 'string':
      if (s.format === 'date-time') return new Date(Date.UTC(2030, 0, 1)).toISOString();
      if (s.format === 'uri') return 'https://example.test/x';
      if (s.format === 'email') return 'fuzz@example.test';
      return 'f'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return {};
  }
}

/** Every path to a property in `value`, for replacing one. */
function propertyPaths(value: unknown, at: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    out.push([...at, k]);
    out.push(...propertyPaths(v, [...at, k]));
  }
  return out;
}

function replaced(value: unknown, path: string[], by: unknown): unknown {
  if (path.length === 0) return by;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string,
    unknown
  >;
  const [head, ...rest] = path as [string, ...string[]];
  copy[head] = replaced(copy[head], rest, by);
  return copy;
}

/** The same value with every string made huge. */
function everyStringHuge(value: unknown, size: number): unknown {
  if (typeof value === 'string') return 'y'.repeat(size);
  if (Array.isArray(value)) return value.map((v) => everyStringHuge(v, size));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyStringHuge(v, size)]));
  }
  return value;
}

function operations(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }) {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = raw as {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        security?: Array<Record<string, unknown>>;
      };
      const content = op.requestBody?.content ?? {};
      const [type] = Object.keys(content);
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: type ? { type, schema: content[type]!.schema } : null,
        security: op.security ?? [],
      });
    }
  }
  return ops;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<Answer> {
  return rawRequest(port, method, path, headers, body, PER_REQUEST_MS);
}

/** What is wrong with an answer, or null. */
function problem(a: Answer): string | null {
  if (a.status >= 500 || a.status < 100) return `status ${a.status}: ${a.body.slice(0, 300)}`;
  if (a.status < 400) return null;
  let parsed: { error?: Record<string, unknown> };
  try {
    parsed = JSON.parse(a.body);
  } catch {
    return `${a.status} not JSON (${a.contentType}): ${a.body.slice(0, 120)}`;
  }
  const e = parsed?.error;
  if (
    typeof e?.code !== 'string' ||
    typeof e.message !== 'string' ||
    typeof e.request_id !== 'string' ||
    typeof e.details !== 'object' ||
    e.details === null
  ) {
    return `${a.status} without the error envelope: ${a.body.slice(0, 200)}`;
  }
  return null;
}

interface Junk {
  what: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Up to five junk requests for one operation, from `r`. */
function junkFor(op: Operation, r: Random, auth: Record<string, string>): Junk[] {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const fill = (junk: boolean) =>
    op.path.replace(/\{([^}]+)\}/g, () => (junk ? pick(r, JUNK_SEGMENTS) : 'fuzz_1'));
  const json = op.body?.type === 'application/json';
  const headers = (extra: Record<string, string> = {}) => ({
    ...auth,
    ...(op.body ? { 'content-type': op.body.type } : {}),
    ...extra,
  });
  const encode = (v: unknown) => {
    if (!op.body) return '';
    if (json) return JSON.stringify(v);
    const form = new URLSearchParams();
    for (const [k, x] of Object.entries((v as object) ?? {})) form.set(k, String(x));
    return form.toString();
  };
  const plausible = () => (op.body ? sample(op.body.schema, r) : undefined);
  const out: Junk[] = [];

  if (pathParams.length > 0) {
    out.push({
      what: 'junk path',
      path: fill(true),
      headers: headers(),
      body: encode(plausible()),
    });
  }
  // Every declared query parameter junk, twice over for one of them, and one undeclared.
  const query = new URLSearchParams();
  for (const p of queryParams) {
    query.append(p.name, pick(r, JUNK_QUERY));
    if (r() < 0.3) query.append(p.name, pick(r, JUNK_QUERY));
  }
  query.append(pick(r, ['__proto__', 'constructor[prototype][x]', 'metadata.x', 'zz']), 'x');
  const q = query.toString().replace(/%25ZZ/g, '%ZZ').replace(/%2500/g, '%00');
  // Header parameters (Idempotency-Key, …) junk along with the query.
  const junkHeaders: Record<string, string> = {};
  for (const p of op.parameters.filter((p) => p.in === 'header')) {
    junkHeaders[p.name.toLowerCase()] = pick(r, ['', ' ', 'k'.repeat(5000), LONG, '\t%00']);
  }
  out.push({
    what: 'junk query',
    path: `${fill(false)}?${q}`,
    headers: headers(junkHeaders),
    body: encode(plausible()),
  });

  if (op.body) {
    const valid = plausible();
    const paths = propertyPaths(valid);
    const wrong = pick(r, WRONG);
    const target = paths.length > 0 ? pick(r, paths) : [];
    out.push({
      what: `wrong type at ${target.join('.') || 'the root'}`,
      path: fill(false),
      headers: headers(),
      body: encode(replaced(valid, target, wrong)),
    });
    if (json) {
      const deep = pick(r, [nested(200), nestedArrays(5000), nested(60), nestedArrays(63)]);
      const at = paths.length > 0 ? pick(r, paths) : null;
      const text = at
        ? JSON.stringify(replaced(valid, at, '@@DEEP@@')).replace('"@@DEEP@@"', deep)
        : deep;
      out.push({
        what: `deep nesting at ${at?.join('.') ?? 'the root'}`,
        path: fill(false),
        headers: headers(),
        body: text,
      });
      out.push({
        what: 'huge strings',
        path: fill(false),
        headers: headers(),
        body: encode(everyStringHuge(valid, pick(r, [20_000, 100_000]))),
      });
    } else {
      out.push({
        what: 'junk form',
        path: fill(false),
        headers: headers(),
        body: pick(r, ['%ZZ=%ZZ', 'a=1&a=2&a[]=3', `x=${LONG}`, '&&&=', '\u0000']),
      });
    }
  } else {
    out.push({
      what: 'a body where none is taken',
      path: fill(pathParams.length > 0),
      headers: headers({ 'content-type': 'application/json' }),
      body: pick(r, [nested(300), '{', `"${LONG}"`, '[1,2,3]']),
    });
    if (pathParams.length === 0) {
      out.push({
        what: 'junk headers',
        path: fill(false),
        headers: headers({ 'if-none-match': LONG, 'last-event-id': '%ZZ', accept: 'x/y' }),
        body: '',
      });
    }
  }
  return out.slice(0, 5);
}

t.test(
  'junk for every operation of /openapi.json: no 5xx, the envelope on 4xx, no hang',
  async (t) => {
    const s = (await serverOn(t, 'sqlite'))!;
    const doc = await s.api('GET', '/openapi.json');
    t.equal(doc.status, 200);
    const ops = operations(doc.body);
    t.ok(ops.length > 100, `${ops.length} operations`);
    const user = await s.token('fuzz');
    const r = rng(20261207);
    const failures: string[] = [];
    let sent = 0;
    for (const op of ops) {
      const schemes = op.security.flatMap((s) => Object.keys(s));
      const auth: Record<string, string> = schemes.includes('userToken')
        ? { authorization: `Bearer ${user}` }
        : schemes.length > 0
          ? { authorization: `Bearer ${ADMIN_KEY}` }
          : {};
      for (const junk of junkFor(op, r, auth)) {
        const label = `${op.method} ${op.path} (${junk.what}): ${junk.path.slice(0, 120)}`;
        sent++;
        try {
          const answer = await send(s.port, op.method, junk.path, junk.headers, junk.body);
          const why = problem(answer);
          if (why) failures.push(`${label} → ${why}`);
        } catch (err) {
          failures.push(`${label} → ${(err as Error).message}`);
        }
      }
    }
    t.same(failures.slice(0, 30), [], `${sent} requests: no 5xx, the envelope, an answer`);
    t.equal((await s.api('GET', '/healthz')).status, 200, 'the server is still up');
  },
);

t.test('the check flags a 5xx, a bare 4xx and a 4xx without the envelope', async (t) => {
  const envelope = JSON.stringify({
    error: { code: 'NOT_FOUND', message: 'm', details: {}, request_id: 'req_1' },
  });
  const json = 'application/json';
  t.equal(problem({ status: 404, contentType: json, body: envelope }), null);
  t.equal(problem({ status: 200, contentType: 'text/html', body: '<p>' }), null);
  t.match(problem({ status: 500, contentType: json, body: envelope }), /^status 500/);
  t.match(problem({ status: 400, contentType: 'text/plain', body: 'Bad Request' }), /not JSON/);
  t.match(problem({ status: 400, contentType: json, body: '{"error":"x"}' }), /envelope/);
});
