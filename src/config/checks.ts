/**
 * Checks that span several options, run once the schema has passed. Each module checks its
 * own options beside them; this file runs them all, in a fixed order, and says where each
 * offending value came from.
 */
import { checkAnalyticsOptions } from '../analytics/options.js';
import { checkAuthOptions } from '../auth/options.js';
import { checkClusterOptions } from '../cluster/options.js';
import type { OptionCheck } from '../core/option-spec.js';
import { checkEncryptionOptions } from '../core/options.js';
import { checkNotificationOptions } from '../notifications/options.js';
import { checkProviderOptions } from '../providers/options.js';
import { checkServerOptions } from '../server/options.js';
import { checkTriggerOptions } from '../triggers/options.js';
import { checkWebhookOptions } from '../webhooks/options.js';
import type { ConfigIssue } from './errors.js';
import { showValue } from './option-tree.js';
import type { Config } from './options.js';

/** Every module's checks, in the order their issues are listed. */
const CHECKS: readonly OptionCheck<Config>[] = [
  checkServerOptions,
  checkNotificationOptions,
  checkAuthOptions,
  checkEncryptionOptions,
  checkClusterOptions,
  checkTriggerOptions,
  checkWebhookOptions,
  checkProviderOptions,
  checkAnalyticsOptions,
];

/** Problems between options of a schema-valid configuration; `label` names each key's source. */
export function crossFieldIssues(config: Config, label: (path: string) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const check of CHECKS) {
    check(config, (path, value, reason) =>
      issues.push({ key: label(path), value: showValue(path, value), reason }),
    );
  }
  return issues;
}
