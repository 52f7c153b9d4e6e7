/** The rate limiter's options (ratelimit.*). */
import { defineOptions, type SectionOf } from '../core/option-spec.js';

/** Enforcement on the HTTP API and how the engine meets its store. */
export const RATELIMIT_OPTIONS = defineOptions([
  {
    path: 'ratelimit.enabled',
    type: 'boolean',
    default: true,
    doc: 'Put every HTTP request through the rate-limit engine (policies, rules, plans and the default per key). Off: nothing is limited; the check API still answers.',
  },
  {
    path: 'ratelimit.approach_percent',
    type: 'integer',
    default: 80,
    min: 1,
    max: 100,
    doc: 'A key that has used this share of a limit in its window raises ratelimit.limit_approached (once per window).',
  },
  {
    path: 'ratelimit.default_per_key_per_minute',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 100000000,
    doc: 'Requests per minute allowed per API key when no rate-limit rule or plan applies. 0: no default limit.',
  },
  {
    path: 'ratelimit.config_cache_ms',
    type: 'integer',
    default: 1000,
    min: 0,
    max: 600000,
    doc: 'How long a node uses its loaded rate-limit policies, rules and plans before checking the store for changes; changes made on another node apply within about this long.',
  },
  {
    path: 'ratelimit.on_store_error',
    type: 'enum',
    values: ['open', 'closed'],
    default: 'open',
    doc: 'When the rate-limit store cannot decide (Redis or the database unreachable or too slow): open allows the request, logs a warning and counts it in notifyd_ratelimit_store_errors_total; closed refuses it with 503 STORE_UNAVAILABLE.',
  },
  {
    path: 'ratelimit.store_timeout_ms',
    type: 'integer',
    default: 500,
    min: 10,
    max: 60000,
    doc: 'How long one rate-limit decision may wait for the store before it counts as a store error (and ratelimit.on_store_error applies).',
  },
]);

/** The rate limiter's settings as loaded: `ratelimit.*`. */
export type RateLimitOptions = SectionOf<typeof RATELIMIT_OPTIONS, 'ratelimit'>;
