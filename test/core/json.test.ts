import t from 'tap';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseBoundedJson } from '../../src/core/json.js';

const nested = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;

t.test('depth counts objects and arrays inside each other', async (t) => {
  t.notOk(nestsDeeperThan(nested(64), 64), 'exactly the limit is allowed');
  t.ok(nestsDeeperThan(nested(65), 64), 'one more is not');
  t.notOk(nestsDeeperThan('[[],[],[],{"a":[]}]', 3), 'siblings do not add up');
  t.ok(nestsDeeperThan('{"a":{"b":{"c":1}}}', 2));
  t.notOk(nestsDeeperThan('"[[[[["', 1), 'brackets inside a string do not count');
  t.notOk(
    nestsDeeperThan(String.raw`["a \" [[[[ \\", "]]]]"]`, 1),
    'nor after an escaped quote; an escaped backslash ends the escape',
  );
  t.ok(nestsDeeperThan(String.raw`["\\", [[1]]]`, 2), 'a string ending in a backslash ends');
  t.notOk(nestsDeeperThan('["never closed', 0 + 1), 'an unclosed string ends the scan');
});

t.test('parseBoundedJson parses what is shallow enough and refuses the rest', async (t) => {
  t.same(parseBoundedJson('{"a":[1,{"b":2}]}'), { a: [1, { b: 2 }] });
  t.same(parseBoundedJson(nested(MAX_JSON_DEPTH)) !== undefined, true);
  t.throws(() => parseBoundedJson(nested(100_000, '{"a":', '}')), {
    name: 'SyntaxError',
    message: `objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels`,
  });
  t.throws(() => parseBoundedJson('{"a":'), SyntaxError, 'malformed JSON still throws');
});
