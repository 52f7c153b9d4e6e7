import { Type } from '@sinclair/typebox';
import type { Principal } from '../../auth/principal.js';
import { errors } from '../../http/responses.js';
import { type AnyRoute, defineRoute, serviceOf, userOf } from '../../http/route.js';
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
import { MANAGE, TAG } from './subscribers.js';

const DeviceList = Type.Object({ data: Type.Array(DeviceView) });
const USER = { kind: 'user' } as const;

/** Whose devices a request is about: the user's own, or the subscriber a service names. */
interface Owner {
  tenant: string;
  subscriber: string;
}

/**
 * Push devices: `/me/devices` for the user with their JWT, and the same under
 * `/subscribers/{id}/devices` for services (the subscriber must exist there).
 */
export function deviceRoutes(subscribers: SubscriberService, devices: DeviceService): AnyRoute[] {
  const me = (ctx: { principal: Principal | null }): Owner => {
    const u = userOf(ctx);
    return { tenant: u.tenant_id, subscriber: u.user_id };
  };
  const admin = async (ctx: { principal: Principal | null; params: { id: string } }) => {
    const tenant = serviceOf(ctx).tenant_id;
    await subscribers.get(tenant, ctx.params.id);
    return { tenant, subscriber: ctx.params.id };
  };
  const list = async (o: Owner) => ({
    status: 200,
    body: { data: (await devices.list(o.tenant, o.subscriber)).map(deviceView) },
  });
  const register = async (o: Owner, body: RegisterDeviceBody) => {
    const { device, created } = await devices.register(o.tenant, o.subscriber, body);
    return { status: created ? 201 : 200, body: deviceView(device) };
  };
  const registerResponses = (...codes: number[]) => ({
    200: { description: 'This address was known: updated.', schema: DeviceView },
    201: { description: 'Registered.', schema: DeviceView },
    ...errors(400, 401, ...codes),
  });
  const ME = '/api/v1/me/devices';
  const SUB = '/api/v1/subscribers/:id/devices';
  return [
    defineRoute({
      method: 'GET',
      path: ME,
      summary: "The user's push devices",
      tag: TAG,
      auth: USER,
      responses: { 200: { description: 'Oldest first.', schema: DeviceList }, ...errors(401) },
      handler: (ctx) => list(me(ctx)),
    }),
    defineRoute({
      method: 'POST',
      path: ME,
      summary: 'Register a push device (the same endpoint or token again updates it)',
      tag: TAG,
      auth: USER,
      body: RegisterDeviceBody,
      responses: registerResponses(),
      async handler(ctx) {
        const o = me(ctx);
        await subscribers.ensure(o.tenant, o.subscriber);
        return register(o, ctx.body);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${ME}/:device`,
      summary: 'Change a push device (active, keys, device_info)',
      tag: TAG,
      auth: USER,
      params: DeviceParams,
      body: UpdateDeviceBody,
      responses: {
        200: { description: 'Changed.', schema: DeviceView },
        ...errors(400, 401, 404),
      },
      async handler(ctx) {
        const o = me(ctx);
        const d = await devices.update(o.tenant, o.subscriber, ctx.params.device, ctx.body);
        return { status: 200, body: deviceView(d) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${ME}/:device`,
      summary: 'Unregister a push device',
      tag: TAG,
      auth: USER,
      params: DeviceParams,
      responses: { 204: { description: 'Unregistered.' }, ...errors(400, 401, 404) },
      async handler(ctx) {
        const o = me(ctx);
        await devices.remove(o.tenant, o.subscriber, ctx.params.device);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: SUB,
      summary: "A subscriber's push devices",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberParams,
      responses: {
        200: { description: 'Oldest first.', schema: DeviceList },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        return list(await admin(ctx));
      },
    }),
    defineRoute({
      method: 'POST',
      path: SUB,
      summary: 'Register a push device for a subscriber (the same address again updates it)',
      tag: TAG,
      auth: MANAGE,
      params: SubscriberParams,
      body: RegisterDeviceBody,
      responses: registerResponses(403, 404),
      async handler(ctx) {
        return register(await admin(ctx), ctx.body);
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${SUB}/:device`,
      summary: "Change a subscriber's push device",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberDeviceParams,
      body: UpdateDeviceBody,
      responses: {
        200: { description: 'Changed.', schema: DeviceView },
        ...errors(400, 401, 403, 404),
      },
      async handler(ctx) {
        const o = await admin(ctx);
        const d = await devices.update(o.tenant, o.subscriber, ctx.params.device, ctx.body);
        return { status: 200, body: deviceView(d) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${SUB}/:device`,
      summary: "Unregister a subscriber's push device",
      tag: TAG,
      auth: MANAGE,
      params: SubscriberDeviceParams,
      responses: { 204: { description: 'Unregistered.' }, ...errors(400, 401, 403, 404) },
      async handler(ctx) {
        const o = await admin(ctx);
        await devices.remove(o.tenant, o.subscriber, ctx.params.device);
        return { status: 204 };
      },
    }),
  ];
}
