/** The Ara compatibility door's options (compat.ara.*). */
import { defineOptions, type SectionOf } from '../../core/option-spec.js';

export const COMPAT_ARA_OPTIONS = defineOptions([
  {
    path: 'compat.ara.enabled',
    type: 'boolean',
    default: false,
    example: true,
    env: ['ARA_COMPAT_ENABLED'],
    doc: "Serve the Ara notification service's API beside notifyd's own (README, Coming from Ara): its send, broadcast, channel and batch routes under /api/v1/notifications, its template shape (payload_template) at /api/v1/templates, GET /health, /api/v1/stats, /api/v1/channels and /api/v1/users/{id}/subscriptions, WebSocket at /ws and SSE at /sse with Ara's frames. The same engine, feed and gateway answer both.",
  },
  {
    path: 'compat.ara.heartbeat_s',
    type: 'integer',
    default: 30,
    min: 1,
    max: 3600,
    doc: "How often Ara's WebSocket sessions get a heartbeat frame and its SSE streams a heartbeat event.",
  },
  {
    path: 'compat.ara.open_channels',
    type: 'boolean',
    default: true,
    doc: "Sessions speaking Ara's protocol (/ws, /sse) may subscribe to any channel of their tenant, as Ara allows. false holds them to their token's channels claim, as notifyd's own sessions are.",
  },
]);

/** Ara compatibility settings as loaded: `compat.ara.*`. */
export type AraOptions = SectionOf<typeof COMPAT_ARA_OPTIONS, 'compat'>['ara'];
