import { type TSchema, Type } from '@sinclair/typebox';
import { ERRORS } from '../core/errors.js';

/** The body of every error answer. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ERRORS).map((c) => Type.Literal(c))),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    request_id: Type.String(),
    retry_after_seconds: Type.Optional(
      Type.Integer({ description: 'on 429: seconds to wait before retrying' }),
    ),
  }),
});

/** Documented error answers, by status. */
export function errors(...statuses: number[]) {
  const out: Record<number, { description: string; schema: typeof ErrorBody }> = {};
  for (const status of statuses) {
    const codes = Object.entries(ERRORS)
      .filter(([, e]) => e.status === status)
      .map(([code]) => code);
    out[status] = { description: codes.join(', '), schema: ErrorBody };
  }
  return out;
}

/** A route's documented answers: its success (status, description, schema) and its errors. */
export function answers(
  status: number,
  description: string,
  schema: TSchema | undefined,
  errorStatuses: number[],
) {
  return {
    [status]: schema ? { description, schema } : { description },
    ...errors(...errorStatuses),
  };
}
