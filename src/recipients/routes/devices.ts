import { type TSchema, Type } from '@sinclair/typebox';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, type AuthRequirement, routeGroup } from '../../http/route.js';
import { type DeviceService, deviceView } from '../devices.js';
import {
  DeviceParams,
  DeviceView,
  RegisterDeviceBody,
  SubscriberDeviceParams,
  SubscriberParams,
  UpdateDeviceBody,
} from '../schemas.js';
import type { SubscriberService } from '../subscribers.js';
import { type OwnerOf, subscriberOwner, userOwner } from './owner.js';
import { MANAGE, TAG } from './subscribers.js';

const DeviceList = Type.Object({ data: Type.Array(DeviceView) });

/** One family of device routes: the user's own, or those of the subscriber a service names. */
interface Side {
  path: string;
  auth: AuthRequirement;
  params?: TSchema;
  deviceParams: TSchema;
  summaries: { list: string; register: string; update: string; remove: string };
  /** Statuses a subscriber's routes add to the user's. */
  more: { list: number[]; register: number[]; item: number[] };
  owner: OwnerOf;
}

/** Listing, registering, changing and unregistering one side's push devices. */
function sideRoutes(side: Side, devices: DeviceService): AnyRoute[] {
  const route = routeGroup(TAG, side.auth);
  const { path, params, owner, summaries, more } = side;
  const device = (ctx: { params: unknown }) => (ctx.params as { device: string }).device;
  return [
    route({
      method: 'GET',
      path,
      summary: summaries.list,
      params,
      responses: answers(200, 'Oldest first.', DeviceList, [...more.list, 401]),
      async handler(ctx) {
        const o = await owner(ctx, false);
        return {
          status: 200,
          body: { data: (await devices.list(o.tenant, o.subscriber)).map(deviceView) },
        };
      },
    }),
    route({
      method: 'POST',
      path,
      summary: summaries.register,
      params,
      body: RegisterDeviceBody,
      responses: {
        200: { description: 'This address was known: updated.', schema: DeviceView },
        201: { description: 'Registered.', schema: DeviceView },
        ...errors(400, 401, ...more.register),
      },
      async handler(ctx) {
        const o = await owner(ctx, true);
        const { device, created } = await devices.register(o.tenant, o.subscriber, ctx.body);
        return { status: created ? 201 : 200, body: deviceView(device) };
      },
    }),
    route({
      method: 'PATCH',
      path: `${path}/:device`,
      summary: summaries.update,
      params: side.deviceParams,
      body: UpdateDeviceBody,
      responses: answers(200, 'Changed.', DeviceView, [400, 401, ...more.item, 404]),
      async handler(ctx) {
        const o = await owner(ctx, false);
        const d = await devices.update(o.tenant, o.subscriber, device(ctx), ctx.body);
        return { status: 200, body: deviceView(d) };
      },
    }),
    route({
      method: 'DELETE',
      path: `${path}/:device`,
      summary: summaries.remove,
      params: side.deviceParams,
      responses: {
        204: { description: 'Unregistered.' },
        ...errors(400, 401, ...more.item, 404),
      },
      async handler(ctx) {
        const o = await owner(ctx, false);
        await devices.remove(o.tenant, o.subscriber, device(ctx));
        return { status: 204 };
      },
    }),
  ];
}

/**
 * Push devices: `/me/devices` for the user with their JWT, and the same under
 * `/subscribers/{id}/devices` for services (the subscriber must exist there).
 */
export function deviceRoutes(subscribers: SubscriberService, devices: DeviceService): AnyRoute[] {
  const me: Side = {
    path: '/api/v1/me/devices',
    auth: { kind: 'user' },
    deviceParams: DeviceParams,
    summaries: {
      list: "The user's push devices",
      register: 'Register a push device (the same endpoint or token again updates it)',
      update: 'Change a push device (active, keys, device_info)',
      remove: 'Unregister a push device',
    },
    more: { list: [], register: [], item: [] },
    owner: userOwner(subscribers),
  };
  const subscriber: Side = {
    path: '/api/v1/subscribers/:id/devices',
    auth: MANAGE,
    params: SubscriberParams,
    deviceParams: SubscriberDeviceParams,
    summaries: {
      list: "A subscriber's push devices",
      register: 'Register a push device for a subscriber (the same address again updates it)',
      update: "Change a subscriber's push device",
      remove: "Unregister a subscriber's push device",
    },
    more: { list: [400, 403, 404], register: [403, 404], item: [403] },
    owner: subscriberOwner(subscribers),
  };
  return [...sideRoutes(me, devices), ...sideRoutes(subscriber, devices)];
}
