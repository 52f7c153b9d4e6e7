import { Type } from '@sinclair/typebox';

/**
 * The events an admin object kind emits as an operator changes it (created, updated,
 * deleted…), with the API key that made the change as `actor`: webhooks hear them and the
 * audit log the compliance-audit report reads is made of them. One payload for every kind,
 * so that a kind that joins the audit log declares names, not shapes.
 */
export const ObjectChange = Type.Object(
  {
    id: Type.String({ description: 'The object (its id).' }),
    name: Type.Union([Type.String(), Type.Null()], {
      description: 'Its name or key as the API names it; null when it has none.',
    }),
    version: Type.Integer({
      description: 'Its version after the change (for a delete: its last).',
    }),
    actor: Type.String({
      description: 'The API key that made the change (`admin` for the configured admin key).',
    }),
  },
  { additionalProperties: false },
);

/** A change event's declaration in a module's event table. */
export const objectChange = (description: string) => ({ description, payload: ObjectChange });
