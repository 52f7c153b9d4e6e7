import type { Subscriber } from './ports.js';

/** A subscriber known by id only: every optional field empty. */
export function blankSubscriber(tenantId: string, id: string, at: number): Subscriber {
  return {
    id,
    tenant_id: tenantId,
    email: null,
    phone: null,
    locale: null,
    timezone: null,
    name: null,
    avatar_url: null,
    data: null,
    created_at: at,
    updated_at: at,
  };
}
