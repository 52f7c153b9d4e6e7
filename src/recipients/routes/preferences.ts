import { type TSchema, Type } from '@sinclair/typebox';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, type AuthRequirement, routeGroup } from '../../http/route.js';
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
import { type OwnerOf, subscriberOwner, userOwner } from './owner.js';
import { MANAGE, TAG } from './subscribers.js';

const Slug = Type.String({ pattern: SLUG, maxLength: 128 });
const CategoryParams = Type.Object({ category: Slug });
const SubscriberCategoryParams = Type.Object({ id: SubscriberId, category: Slug });

/** Who the preferences of one family of routes belong to, and how they are reached. */
interface Side {
  path: string;
  /** `the user's`, `a subscriber's`: in the summaries. */
  whose: string;
  auth: AuthRequirement;
  params?: TSchema;
  categoryParams: TSchema;
  /** Error statuses of reading and resetting. */
  readErrors: number[];
  /** The owner of the preferences. */
  owner: OwnerOf;
}

const viewResponses = (...codes: number[]) => ({
  200: { description: 'The preferences, defaults filled in.', schema: PreferencesView },
  ...errors(...codes),
});
const ok = (body: unknown) => ({ status: 200, body });
const capitalised = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** Viewing, changing, resetting and changing one category of one side's preferences. */
function sideRoutes(side: Side, preferences: Preferences): AnyRoute[] {
  const route = routeGroup(TAG, side.auth);
  const { path, whose, params, owner } = side;
  return [
    route({
      method: 'GET',
      path,
      summary: `${capitalised(whose)} notification preferences`,
      params,
      responses: viewResponses(...side.readErrors),
      async handler(ctx) {
        const o = await owner(ctx, false);
        return ok(await preferences.view(o.tenant, o.subscriber));
      },
    }),
    route({
      method: 'PUT',
      path,
      summary: `Change ${whose} preferences (the parts given)`,
      params,
      body: PreferencesBody,
      responses: viewResponses(400, 401, 403, 404),
      async handler(ctx) {
        const o = await owner(ctx, true);
        return ok(await preferences.update(o.tenant, o.subscriber, ctx.body));
      },
    }),
    route({
      method: 'DELETE',
      path,
      summary: `Reset ${whose} preferences to the defaults`,
      params,
      responses: viewResponses(...side.readErrors),
      async handler(ctx) {
        const o = await owner(ctx, false);
        return ok(await preferences.reset(o.tenant, o.subscriber));
      },
    }),
    route({
      method: 'PUT',
      path: `${path}/categories/:category`,
      summary: `Change ${whose} channels or mute for one category (403 when mandatory)`,
      params: side.categoryParams,
      body: CategoryPreferenceBody,
      responses: answers(
        200,
        'The category’s preference.',
        CategoryPreferenceView,
        [400, 401, 403, 404],
      ),
      async handler(ctx) {
        const o = await owner(ctx, true);
        const { category } = ctx.params as { category: string };
        return ok(await preferences.updateCategory(o.tenant, o.subscriber, category, ctx.body));
      },
    }),
  ];
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
  const me: Side = {
    path: '/api/v1/me/preferences',
    whose: "the user's",
    auth: { kind: 'user' },
    categoryParams: CategoryParams,
    readErrors: [401],
    owner: userOwner(subscribers),
  };
  const subscriber: Side = {
    path: '/api/v1/subscribers/:id/preferences',
    whose: "a subscriber's",
    auth: MANAGE,
    params: SubscriberParams,
    categoryParams: SubscriberCategoryParams,
    readErrors: [400, 401, 403, 404],
    owner: subscriberOwner(subscribers),
  };
  return [...sideRoutes(me, preferences), ...sideRoutes(subscriber, preferences)];
}
