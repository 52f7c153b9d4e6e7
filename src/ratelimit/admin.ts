import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { ObjectStore } from '../store/types.js';
import { AdjustmentService } from './adjustments.js';
import { BypassService } from './bypass.js';
import { RateLimitConfigCache } from './config-cache.js';
import { CostService } from './costs.js';
import { type ChangeSink, rateLimitObjects } from './objects.js';
import { PlanService } from './plans.js';
import { PolicyService } from './policies.js';
import { RuleService } from './rules.js';

export interface RateLimitAdminOptions {
  store: ObjectStore;
  clock: Clock;
  ids: IdGenerator;
  /** How long a node answers from loaded configuration before checking for changes. */
  cacheMs: number;
  /** Told of every change (`ratelimit.policy_created`, …) with the object's view. */
  onEvent?: ChangeSink;
  logger?: Logger;
}

/**
 * The rate-limit model: the admin services of every kind and the configuration cache the
 * resolver reads. A change through any service reloads the cache before the next request
 * and is reported to `onEvent`; a failing listener never fails the change.
 */
export class RateLimitAdmin {
  readonly policies: PolicyService;
  readonly rules: RuleService;
  readonly plans: PlanService;
  readonly bypasses: BypassService;
  readonly adjustments: AdjustmentService;
  readonly costs: CostService;
  readonly config: RateLimitConfigCache;

  constructor(options: RateLimitAdminOptions) {
    const { store, clock, ids, logger } = options;
    const o = rateLimitObjects(store, clock, ids);
    this.config = new RateLimitConfigCache(store, clock, options.cacheMs, logger);
    const changed: ChangeSink = (type, data) => {
      this.config.invalidate();
      try {
        options.onEvent?.(type, data);
      } catch (err) {
        logger?.warn({ err, type }, 'rate-limit event listener failed');
      }
    };
    this.policies = new PolicyService(o, changed, clock);
    this.rules = new RuleService(o, changed, clock);
    this.plans = new PlanService(o, changed, clock);
    this.bypasses = new BypassService(o, changed, clock);
    this.adjustments = new AdjustmentService(o, changed, clock);
    this.costs = new CostService(o, changed, clock);
  }
}
