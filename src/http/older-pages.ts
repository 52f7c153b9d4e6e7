import { Type } from '@sinclair/typebox';

/**
 * The query fields of a list that pages newest first by id: `before`, the previous page's
 * `next_cursor`, and `limit` (at most `max`; the handler applies `byDefault`).
 */
export const olderPages = (what: string, max: number, byDefault: number) => ({
  before: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: `next_cursor of the previous page: only older ${what}.`,
    }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: max, description: `default ${byDefault}` }),
  ),
});
