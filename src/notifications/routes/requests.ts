import { NotifydError } from '../../core/errors.js';
import { answers, errors } from '../../http/responses.js';
import { type AnyRoute, serviceOf } from '../../http/route.js';
import type { SendRequests } from '../requests.js';
import {
  CancelBody,
  CancelResult,
  RequestListQuery,
  RequestPageSchema,
  RequestParams,
  RequestViewSchema,
  TopicParams,
  TopicSendAccepted,
  TopicSendBody,
} from '../schemas.js';
import { sendingRoute } from './sending-route.js';

/** Topic sends, request status and cancellation, for services with an API key. */
export function requestRoutes(requests: SendRequests): AnyRoute[] {
  return [
    sendingRoute({
      method: 'POST',
      path: '/api/v1/topics/:key/notifications',
      summary: 'Send to every member of a topic (fanned out in pages; survives a restart)',
      params: TopicParams,
      body: TopicSendBody,
      responses: {
        202: {
          description: 'Recorded durably; GET /requests/{request_id} follows the fan-out.',
          schema: TopicSendAccepted,
        },
        ...errors(400, 401, 403, 404, 409, 413, 415, 503),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const body = await requests.topic(tenant_id, ctx.params.key, ctx.body, ctx.requestId);
        return { status: 202, body };
      },
    }),
    sendingRoute({
      method: 'GET',
      path: '/api/v1/requests',
      summary:
        'Send requests (single sends, batches, topic sends), newest first, by status, type, recipient, topic or time',
      query: RequestListQuery,
      responses: answers(
        200,
        'One page; `cursor` continues. A narrow filter may answer fewer than limit with a cursor.',
        RequestPageSchema,
        [400, 401, 403],
      ),
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        const { limit, ...filters } = ctx.query;
        if (filters.recipient_id !== undefined && filters.topic !== undefined) {
          throw new NotifydError('VALIDATION_ERROR', 'recipient_id: not with topic', {
            issues: [{ field: 'recipient_id', message: 'not with topic' }],
          });
        }
        return { status: 200, body: await requests.list(tenant_id, filters, limit ?? 20) };
      },
    }),
    sendingRoute({
      method: 'GET',
      path: '/api/v1/requests/:request_id',
      summary: 'Where a send request (single, batch or topic send) stands',
      params: RequestParams,
      responses: answers(200, 'The request.', RequestViewSchema, [401, 403, 404]),
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await requests.get(tenant_id, ctx.params.request_id) };
      },
    }),
    sendingRoute({
      method: 'POST',
      path: '/api/v1/notifications/cancel',
      summary: 'Cancel what is not sent yet of the notifications holding a cancellation key',
      body: CancelBody,
      responses: {
        200: {
          description: 'Cancelled: their pending and deferred deliveries will not go out.',
          schema: CancelResult,
        },
        ...errors(400, 401, 403, 413, 415, 503),
      },
      async handler(ctx) {
        const { tenant_id } = serviceOf(ctx);
        return { status: 200, body: await requests.cancel(tenant_id, ctx.body.cancellation_key) };
      },
    }),
  ];
}
