import { Type } from '@sinclair/typebox';
import type { Counter } from 'prom-client';
import { errors } from '../../http/responses.js';
import { type AnyRoute, serviceOf } from '../../http/route.js';
import {
  BatchBody,
  BatchResultSchema,
  DeliveryView,
  IdParams,
  ScheduledAcceptedSchema,
  SendAccepted,
  SendNotificationBody,
  WorkflowStartedSchema,
} from '../schemas.js';
import type { NotificationService } from '../service.js';
import { sendingRoute } from './sending-route.js';

/** What a send can be refused with. */
const SEND_ERRORS = errors(400, 401, 403, 404, 409, 413, 415, 422, 503);
/** A single send also past the recipient's caps: 429 USER_CAP_EXCEEDED (a batch reports it per item). */
const SINGLE_SEND_ERRORS = errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503);

/** Sending, for services with an API key. */
export function notificationRoutes(
  service: NotificationService,
  acceptedTotal: Counter<'tenant'>,
): AnyRoute[] {
  return [
    sendingRoute({
      method: 'POST',
      path: '/api/v1/notifications',
      summary: 'Send a notification to one recipient',
      body: SendNotificationBody,
      responses: {
        202: {
          description:
            'Accepted: durably stored, delivery under way; with `send_at`, scheduled (`status: scheduled`); with `workflow`, a run started (`status: running`, `run_id`).',
          schema: Type.Union([SendAccepted, ScheduledAcceptedSchema, WorkflowStartedSchema]),
        },
        ...SINGLE_SEND_ERRORS,
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const accepted = await service.send(tenant_id, ctx.body, ctx.requestId);
        acceptedTotal.inc({ tenant: tenant_id });
        return { status: 202, body: accepted };
      },
    }),
    sendingRoute({
      method: 'POST',
      path: '/api/v1/notifications/batch',
      summary: 'Send up to 1,000 notifications (per-item results; atomic: all or nothing)',
      body: BatchBody,
      responses: {
        202: {
          description: 'Each item accepted, scheduled (`send_at`) or refused.',
          schema: BatchResultSchema,
        },
        ...SEND_ERRORS,
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { notifications, atomic } = ctx.body;
        const result = await service.batch(
          tenant_id,
          notifications,
          atomic ?? false,
          ctx.requestId,
        );
        if (result.accepted > 0) acceptedTotal.inc({ tenant: tenant_id }, result.accepted);
        return { status: 202, body: result };
      },
    }),
    sendingRoute({
      method: 'GET',
      path: '/api/v1/notifications/:id/deliveries',
      summary: 'Delivery status of a notification, per channel',
      params: IdParams,
      responses: {
        200: {
          description: 'The deliveries.',
          schema: Type.Object({ data: Type.Array(DeliveryView) }),
        },
        ...errors(401, 403, 404),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: { data: await service.deliveries(tenant_id, ctx.params.id) } };
      },
    }),
  ];
}
