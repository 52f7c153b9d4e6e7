import t from 'tap';
import { type Config, OPTIONS, type StoreBackend } from '../../src/config/options.js';
import { type ConfigOf, defineOptions, type SectionOf } from '../../src/core/option-spec.js';

/** True when two types are the same (checked by the compiler: this file is type-checked). */
type Equal<X, Y> =
  (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;

const TABLE = defineOptions([
  { path: 'a.port', type: 'integer', default: 1, doc: '' },
  { path: 'a.hosts', type: 'list', default: [], doc: '' },
  { path: 'a.deep.mode', type: 'enum', values: ['x', 'y'], default: 'x', doc: '' },
  { path: 'b.on', type: 'boolean', default: false, doc: '' },
  { path: 'b.name', type: 'string', default: 'n', doc: '' },
]);

t.test('a table derives the nested type its options load into', async (t) => {
  const derived: Equal<
    ConfigOf<typeof TABLE>,
    {
      a: { port: number; hosts: string[]; deep: { mode: 'x' | 'y' } };
      b: { on: boolean; name: string };
    }
  > = true;
  const section: Equal<SectionOf<typeof TABLE, 'a.deep'>, { mode: 'x' | 'y' }> = true;
  const backends: Equal<Config['store']['ratelimit'], StoreBackend | ''> = true;
  t.ok(derived && section && backends);
  t.equal(TABLE.length, 5, 'defineOptions returns its table');
});

t.test('a default that does not fit its type does not compile', async (t) => {
  // @ts-expect-error: 'z' is not one of the enum's values
  defineOptions([{ path: 'a.m', type: 'enum', values: ['x'], default: 'z', doc: '' }]);
  // @ts-expect-error: an integer's default must be a number
  defineOptions([{ path: 'a.n', type: 'integer', default: '1', doc: '' }]);
  t.pass();
});

t.test('no two modules declare the same option', async (t) => {
  const paths = OPTIONS.map((o) => o.path);
  t.same(
    paths.filter((p, i) => paths.indexOf(p) !== i),
    [],
  );
});
