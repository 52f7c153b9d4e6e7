import type { TSchema } from '@sinclair/typebox';

/** The request field Stripe, Knock and Novu clients send their idempotency key in. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Whether a body schema takes an `idempotency_key`: such routes also read the header. */
export function takesIdempotencyKey(body: TSchema | undefined): boolean {
  const properties = (body as { properties?: Record<string, unknown> } | undefined)?.properties;
  return properties !== undefined && 'idempotency_key' in properties;
}

/**
 * The body with the `Idempotency-Key` header's value as its `idempotency_key`, unless the
 * body names one itself (the body wins). Only an object body is touched; validation then
 * judges the value as if the body had carried it.
 */
export function withIdempotencyHeader(body: unknown, header: string | undefined): unknown {
  if (header === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return body;
  }
  if ((body as Record<string, unknown>).idempotency_key !== undefined) return body;
  return { ...body, idempotency_key: header };
}
