/**
 * Every configuration option, once. Each module declares its own options beside its code;
 * this file joins them into the one table that the JSON schema, the `NOTIFYD_*` environment
 * names, config/default.yaml, ara.example.yaml and the README's table are all made from, so
 * they cannot drift apart. The order here is the order of every generated document.
 */
import { ANALYTICS_OPTIONS } from '../analytics/options.js';
import { AUTH_OPTIONS } from '../auth/options.js';
import { CLUSTER_OPTIONS } from '../cluster/options.js';
import { COMPAT_ARA_OPTIONS } from '../compat/ara/options.js';
import type { ConfigOf, OptionSpec } from '../core/option-spec.js';
import { ENCRYPTION_OPTIONS, LOG_OPTIONS } from '../core/options.js';
import { DIGEST_OPTIONS } from '../digests/options.js';
import { NOTIFICATION_OPTIONS, TRACKING_OPTIONS } from '../notifications/options.js';
import { PROVIDER_OPTIONS } from '../providers/options.js';
import { RATELIMIT_OPTIONS } from '../ratelimit/options.js';
import { SCHEDULER_OPTIONS } from '../scheduler/options.js';
import { METRICS_OPTIONS, SERVER_OPTIONS } from '../server/options.js';
import { REALTIME_OPTIONS } from '../server/realtime/options.js';
import { STORE_OPTIONS } from '../store/options.js';
import { TEMPLATE_OPTIONS } from '../templates/options.js';
import { TRIGGER_OPTIONS } from '../triggers/options.js';
import { WEB_OPTIONS } from '../web/options.js';
import { WEBHOOK_OPTIONS } from '../webhooks/options.js';
import { WORKFLOW_OPTIONS } from '../workflows/options.js';

export type { OptionSpec, OptionType } from '../core/option-spec.js';
export type { StoreBackend } from '../store/backends.js';

/** The modules' tables in document order, with their literal types (for `Config`). */
const TABLE = [
  ...SERVER_OPTIONS,
  ...STORE_OPTIONS,
  ...AUTH_OPTIONS,
  ...ENCRYPTION_OPTIONS,
  ...NOTIFICATION_OPTIONS,
  ...TEMPLATE_OPTIONS,
  ...REALTIME_OPTIONS,
  ...TRACKING_OPTIONS,
  ...SCHEDULER_OPTIONS,
  ...DIGEST_OPTIONS,
  ...WORKFLOW_OPTIONS,
  ...RATELIMIT_OPTIONS,
  ...WEBHOOK_OPTIONS,
  ...PROVIDER_OPTIONS,
  ...ANALYTICS_OPTIONS,
  ...WEB_OPTIONS,
  ...LOG_OPTIONS,
  ...METRICS_OPTIONS,
  ...CLUSTER_OPTIONS,
  ...COMPAT_ARA_OPTIONS,
  ...TRIGGER_OPTIONS,
] as const;

/** Every option, in the order the documents list them. */
export const OPTIONS: readonly OptionSpec[] = TABLE;

/** The effective configuration, as the rest of notifyd reads it (frozen after loading). */
export type Config = ConfigOf<typeof TABLE>;
