import { Type } from '@sinclair/typebox';
import type { Principal } from '../../auth/principal.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf, userOf } from '../../http/route.js';
import type { Preferences } from '../preferences.js';
import {
  CategoryPreferenceBody,
  CategoryPreferenceView,
  PreferencesBody,
  PreferencesView,
  SLUG,
  SubscriberId,
  SubscriberParams,
} from '../schemas.js';
import type { SubscriberService } from '../subscribers.js';
import { MANAGE, TAG } from './subscribers.js';

const USER = { kind: 'user' } as const;
const Slug = Type.String({ pattern: SLUG, maxLength: 128 });
const CategoryParams = Type.Object({ category: Slug });
const SubscriberCategoryParams = Type.Object({ id: SubscriberId, category: Slug });

interface Owner {
  tenant: string;
  subscriber: string;
}

/**
 * Preferences: `/me/preferences` for the user with their JWT, the same under
 * `/subscribers/{id}/preferences` for services (the subscriber must exist there). A change
 * by the user makes them a subscriber if they were not one.
 */
export function preferenceRoutes(
  subscribers: SubscriberService,
  preferences: Preferences,
): AnyRoute[] {
  const me = async (ctx: { principal: Principal | null }, create: boolean): Promise<Owner> => {
    const u = userOf(ctx);
    if (create) await subscribers.ensure(u.tenant_id, u.user_id);
    return { tenant: u.tenant_id, subscriber: u.user_id };
  };
  const admin = async (ctx: { principal: Principal | null; params: { id: string } }) => {
    const tenant = serviceOf(ctx).tenant_id;
    await subscribers.get(tenant, ctx.params.id);
    return { tenant, subscriber: ctx.params.id };
  };
  const viewResponses = (...codes: number[]) => ({
    200: { description: 'The preferences, defaults filled in.', schema: PreferencesView },
    ...errors(...codes),
  });
  const ME = '/api/v1/me/preferences';
  const SUB = '/api/v1/subscribers/:id/preferences';
  const ok = (body: unknown) => ({ status: 200, body });
  return [
    defineRoute({
      method: 'GET',
      path: ME,
      summary: "The user's notification preferences",
      tag: TAG,
      auth: USER,
      responses: viewResponses(401),
      async handler(ctx) {
        const o = await me(ctx, false);
        return ok(await preferences.view(o.tenant, o.subscriber));
      },
    }),
    defineRoute({
      method: 'PUT',
      path: ME,
      summary: "Change the user's preferences (the parts given)",
      tag: TAG,
      auth: USER,
      body: PreferencesBody,
      responses: viewResponses(400, 401, 403, 404),
      async handler(ctx) {
        const o = await me(ctx, true);
        return ok(await preferences.update(o.tenant, o.subscriber, ctx.body));
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: ME,
      summary: "Reset the user's preferences to the defaults",
      tag: TAG,
      auth: USER,
      responses: viewResponses(401),
      async handler(ctx) {
        const o = await me(ctx, false);
        return ok(await preferences.reset(o.tenant, o.subscriber));
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${ME}/categories/:category`,
      summary: "Change the user's channels or mute for one category (403 when mandatory)",
      tag: TAG,
      auth: USER,
      params: CategoryParams,
      body: CategoryPreferenceBody,
      responses: {
        200: { description: 'The category’s preference.', schema: CategoryPreferenceView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        const o = await me(ctx, true);
        return ok(
          await preferences.updateCategory(o.tenant, o.subscriber, ctx.params.category, ctx.body),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      path: SUB,
      summary: "A subscriber's notification preferences",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberParams,
      responses: viewResponses(400, 401, 403, 404),
      async handler(ctx) {
        const o = await admin(ctx);
        return ok(await preferences.view(o.tenant, o.subscriber));
      },
    }),
    defineRoute({
      method: 'PUT',
      path: SUB,
      summary: "Change a subscriber's preferences (the parts given)",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberParams,
      body: PreferencesBody,
      responses: viewResponses(400, 401, 403, 404),
      async handler(ctx) {
        const o = await admin(ctx);
        return ok(await preferences.update(o.tenant, o.subscriber, ctx.body));
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: SUB,
      summary: "Reset a subscriber's preferences to the defaults",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberParams,
      responses: viewResponses(400, 401, 403, 404),
      async handler(ctx) {
        const o = await admin(ctx);
        return ok(await preferences.reset(o.tenant, o.subscriber));
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${SUB}/categories/:category`,
      summary: "Change a subscriber's channels or mute for one category (403 when mandatory)",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberCategoryParams,
      body: CategoryPreferenceBody,
      responses: {
        200: { description: 'The category’s preference.', schema: CategoryPreferenceView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        const o = await admin(ctx);
        return ok(
          await preferences.updateCategory(o.tenant, o.subscriber, ctx.params.category, ctx.body),
        );
      },
    }),
  ];
}
