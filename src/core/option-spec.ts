import type { Static, TSchema } from '@sinclair/typebox';

/**
 * How a module declares its configuration options. Each module keeps a table of its own
 * options beside its code; `src/config/options.ts` joins them into the one OPTIONS table
 * that the schema, the environment names and the documents are made from. The option
 * types are kept literal, so a module's settings type is derived from its table instead of
 * being written out a second time.
 */

/** The kinds of value an option holds. */
export type OptionType = 'string' | 'integer' | 'boolean' | 'enum' | 'list' | 'objects';

/** One configuration option. */
export interface OptionSpec {
  /** Dotted path in the YAML file, e.g. `server.port`. */
  path: string;
  type: OptionType;
  /** Allowed values of an `enum`. */
  values?: readonly string[];
  default: string | number | boolean | readonly string[] | readonly never[];
  /** The schema of each item of an `objects` option (a list of mappings), e.g. a provider. */
  item?: TSchema;
  /** Bounds of an `integer`. */
  min?: number;
  max?: number;
  /** One or two sentences for the docs: what it does, and why one would change it. */
  doc: string;
  /** Never printed: masked in `config print`, in errors and in logs. */
  secret?: boolean;
  /** Other environment names that set this option, besides `NOTIFYD_<PATH>`. */
  env?: readonly string[];
  /** A file path: when relative, resolved against the working directory at load time. */
  file?: boolean;
  /** What ara.example.yaml sets it to when that differs from the default (e.g. Ara's door on). */
  example?: string | number | boolean;
}

/** The value an option holds once loaded (an `objects` option: its items' static type). */
export type OptionValue<O extends OptionSpec> = O extends { type: 'integer' }
  ? number
  : O extends { type: 'boolean' }
    ? boolean
    : O extends { type: 'list' }
      ? string[]
      : O extends { type: 'objects'; item: infer S extends TSchema }
        ? Static<S>[]
        : O extends { type: 'enum'; values: readonly (infer V)[] }
          ? V
          : string;

/**
 * A module's options, with paths, types and enum values kept literal. A default that does
 * not fit its option's type is a compile error here ("Expected 2 arguments": the missing one
 * names the option) rather than a start-up error later.
 */
export function defineOptions<const T extends readonly OptionSpec[]>(
  options: T,
  ..._defaultsFit: [MisfitDefault<T[number]>] extends [never]
    ? []
    : [wrongDefaultAt: MisfitDefault<T[number]>]
): T {
  return options;
}

/** The path of an option whose default is not a value of its type (distributes over a union). */
type MisfitDefault<O> = O extends OptionSpec
  ? O['default'] extends DefaultOf<O>
    ? never
    : O['path']
  : never;

/** What an option's default must be: its value type, with lists read-only. */
type DefaultOf<O extends OptionSpec> = O extends { type: 'objects' }
  ? readonly never[]
  : OptionValue<O> extends string[]
    ? readonly string[]
    : OptionValue<O>;

/** The first level of a dotted path. */
type Head<P extends string> = P extends `${infer H}.${string}` ? H : P;

/** The options under `section`, with that level taken off their paths. */
type Below<O extends OptionSpec, Section extends string> = O extends unknown
  ? O['path'] extends `${Section}.${infer Rest}`
    ? Omit<O, 'path'> & { path: Rest }
    : never
  : never;

/** The nested object a set of options loads into: a key per level, a value per option. */
type TreeOf<O extends OptionSpec> = {
  [K in Head<O['path']>]: [Extract<O, { path: K }>] extends [never]
    ? TreeOf<Below<O, K>>
    : OptionValue<Extract<O, { path: K }>>;
};

/** Spells a nested object type out in full, so that editors show its keys, not its recipe. */
type Flatten<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]: Flatten<T[K]> }
    : T;

/**
 * The configuration an options table loads into: `server.port` (integer) becomes
 * `{ server: { port: number } }`; an enum becomes the union of its values, a list `string[]`.
 */
export type ConfigOf<T extends readonly OptionSpec[]> = Flatten<TreeOf<T[number]>>;

/** The type at a dotted path of a nested object (`At<C, 'store.sqlite'>`). */
type At<C, P extends string> = P extends `${infer H}.${infer Rest}`
  ? H extends keyof C
    ? At<C[H], Rest>
    : never
  : P extends keyof C
    ? C[P]
    : never;

/** One section of the configuration a table loads into, e.g. `SectionOf<typeof T, 'ratelimit'>`. */
export type SectionOf<T extends readonly OptionSpec[], Section extends string> = At<
  ConfigOf<T>,
  Section
>;

/** Reports one problem with the option at `path`; the caller adds where its value came from. */
export type ReportIssue = (path: string, value: unknown, reason: string) => void;

/**
 * A check between options, run once every option has passed its own: it reports each
 * problem with how to fix it. `C` is the part of the configuration it reads.
 */
export type OptionCheck<C> = (config: C, report: ReportIssue) => void;

/**
 * A check that reads one section of the configuration, given that section:
 * `sectionCheck('webhooks', (webhooks: WebhookOptions, report) => …)`.
 */
export function sectionCheck<S extends string, O>(
  section: S,
  check: (options: O, report: ReportIssue) => void,
): OptionCheck<Record<S, O>> {
  return (config, report) => check(config[section], report);
}
