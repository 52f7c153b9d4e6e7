/** A subscriber's optional fields, in the order every store keeps them. */
export const SUBSCRIBER_FIELDS = [
  'email',
  'phone',
  'locale',
  'timezone',
  'name',
  'avatar_url',
  'data',
] as const;

/** A JSON column's text; null (or undefined) is stored as null. */
export const jsonOrNull = (v: unknown) =>
  v === null || v === undefined ? null : JSON.stringify(v);
