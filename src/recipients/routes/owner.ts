import type { Principal } from '../../auth/principal.js';
import { serviceOf, userOf } from '../../http/route.js';
import type { SubscriberService } from '../subscribers.js';

/** Whose preferences or devices a request is about. */
export interface Owner {
  tenant: string;
  subscriber: string;
}

/** Finds the owner of a request; `write` when the request changes what it owns. */
export type OwnerOf = (
  ctx: { principal: Principal | null; params: unknown },
  write: boolean,
) => Promise<Owner>;

/** The end user of a JWT route; a write makes them a subscriber if they were not one. */
export function userOwner(subscribers: SubscriberService): OwnerOf {
  return async (ctx, write) => {
    const u = userOf(ctx);
    if (write) await subscribers.ensure(u.tenant_id, u.user_id);
    return { tenant: u.tenant_id, subscriber: u.user_id };
  };
}

/** The subscriber `:id` of the calling service's tenant, which must exist. */
export function subscriberOwner(subscribers: SubscriberService): OwnerOf {
  return async (ctx) => {
    const tenant = serviceOf(ctx).tenant_id;
    const { id } = ctx.params as { id: string };
    await subscribers.get(tenant, id);
    return { tenant, subscriber: id };
  };
}
