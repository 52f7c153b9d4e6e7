import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import type { Stored } from './repository.js';
import { envelopeOf, ViewEnvelope } from './schemas.js';

/** A view field made from the stored object, rather than copied from its data by name. */
class Made<D, S extends TSchema> {
  constructor(
    readonly schema: S,
    readonly of: (d: D, o: Stored<D>) => Static<S>,
  ) {}
}

type SchemaOf<F> = {
  // biome-ignore lint/suspicious/noExplicitAny: any data type: only the schema is read
  [K in keyof F]: F[K] extends Made<any, infer S> ? S : F[K] extends TSchema ? F[K] : never;
};

type ViewSchema<F> = TObject<typeof ViewEnvelope & SchemaOf<F>>;

/** A plain schema must name a field of the data whose values it describes. */
type Copied<D, F> = {
  [K in keyof F]: F[K] extends Made<D, TSchema>
    ? F[K]
    : K extends keyof D
      ? F[K] extends TSchema
        ? D[K] extends Static<F[K]>
          ? F[K]
          : never
        : never
      : never;
};

/** A view's schema and the function that makes it from a stored object. */
export interface ObjectView<D, S extends TSchema> {
  schema: S;
  toView: (o: Stored<D>) => Static<S>;
}

/**
 * An object kind's view, declared once as the list of its fields in the order it answers
 * them: a schema copies the data's field of that name, `made` derives a field. `view` answers
 * the view's schema (the envelope, then the fields) and the function that makes it.
 */
export function viewFields<D>() {
  return {
    made<S extends TSchema>(schema: S, of: (d: D, o: Stored<D>) => Static<S>): Made<D, S> {
      return new Made(schema, of);
    },
    view<F extends Record<string, TSchema | Made<D, TSchema>>>(
      fields: F & Copied<D, F>,
    ): ObjectView<D, ViewSchema<F>> {
      const entries = Object.entries(fields as Record<string, TSchema | Made<D, TSchema>>);
      const properties = Object.fromEntries(
        entries.map(([k, f]) => [k, f instanceof Made ? f.schema : f]),
      );
      const schema = Type.Object({ ...ViewEnvelope, ...properties });
      const toView = (o: Stored<D>) => {
        const data = o.data as Record<string, unknown>;
        const own = entries.map(([k, f]) => [k, f instanceof Made ? f.of(o.data, o) : data[k]]);
        return { ...envelopeOf(o), ...Object.fromEntries(own) };
      };
      // The fields' types are checked by the signature: the schema built here is that one.
      return { schema, toView } as unknown as ObjectView<D, ViewSchema<F>>;
    },
  };
}
