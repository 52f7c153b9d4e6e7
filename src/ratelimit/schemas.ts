import { type Static, Type } from '@sinclair/typebox';
import { OwnerTenant, partial, ViewEnvelope } from '../objects/schemas.js';
import { ALGORITHMS, LIMIT_SCOPES } from './spec.js';

/**
 * The shapes of the rate-limit admin objects: what the API takes (create and update
 * bodies) and what it answers (views). The stored documents are the views without the
 * envelope fields (id, tenant, version, times).
 */

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

/** A name people type: policies, plans. */
const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
const Name = Type.String({ pattern: NAME_PATTERN });
const Text = (max: number) => Type.String({ maxLength: max });
/** `null` makes a global object (needs `ratelimit:admin`); absent means the caller's tenant. */
const TenantField = OwnerTenant(
  "The owning tenant; null for a global object (ratelimit:admin); default the caller's.",
);
const Version = Type.Optional(
  Type.Integer({
    minimum: 1,
    description: 'Refuse the change (409 VERSION_CONFLICT) unless the object is at this version.',
  }),
);

export const WINDOW_UNITS = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;
export type WindowUnit = keyof typeof WINDOW_UNITS;
export const HTTP_METHODS = [
  '*',
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
] as const;
export const TARGET_TYPES = ['endpoint', 'user', 'tenant', 'ip', 'api_key', 'role'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const THROTTLE_MODES = ['reject', 'throttle', 'penalty_box'] as const;
export const BYPASS_TYPES = ['api_key', 'role', 'ip', 'user'] as const;
export const PLAN_SUBJECTS = ['api_key', 'tenant', 'user'] as const;

export const PolicyLimit = Type.Object(
  {
    scope: literals(LIMIT_SCOPES),
    max_requests: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    window_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    window_unit: Type.Optional(literals(Object.keys(WINDOW_UNITS) as WindowUnit[])),
    key: Type.Optional(
      Type.Array(literals(LIMIT_SCOPES), {
        minItems: 1,
        maxItems: 5,
        uniqueItems: true,
        description:
          'Count per these dimensions together, e.g. ["ip","endpoint"]; default [scope].',
      }),
    ),
    cost_based: Type.Optional(
      Type.Boolean({ description: 'Count endpoint cost units, not requests.' }),
    ),
  },
  { additionalProperties: false },
);
export type PolicyLimit = Static<typeof PolicyLimit>;

const TokenBucket = Type.Object(
  {
    refill_rate: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1_000_000_000,
      description: 'Tokens per second.',
    }),
    bucket_size: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    initial_tokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);
const Burst = Type.Object(
  {
    max_burst: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    burst_window_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    cooldown_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  },
  { additionalProperties: false },
);
const Throttle = Type.Object(
  {
    mode: literals(THROTTLE_MODES),
    max_delay_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
    penalty_max_requests: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
    penalty_duration_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
  },
  { additionalProperties: false },
);

const policyFields = {
  description: Type.Optional(Text(500)),
  limits: Type.Array(PolicyLimit, { minItems: 1, maxItems: 10 }),
  algorithm: Type.Optional(literals(ALGORITHMS)),
  token_bucket: Type.Optional(Type.Union([TokenBucket, Type.Null()])),
  burst: Type.Optional(Type.Union([Burst, Type.Null()])),
  throttle: Type.Optional(Throttle),
  priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  is_active: Type.Optional(Type.Boolean()),
};
export const CreatePolicyBody = Type.Object(
  { name: Name, tenant_id: TenantField, ...policyFields },
  { additionalProperties: false },
);
export const UpdatePolicyBody = Type.Object(
  { name: Type.Optional(Name), ...partial(policyFields), version: Version },
  { additionalProperties: false },
);

/** A policy as stored: every default filled in, windows in seconds. */
export interface PolicyData {
  name: string;
  description: string;
  limits: Array<PolicyLimit & { window_seconds: number; cost_based: boolean }>;
  algorithm: (typeof ALGORITHMS)[number];
  token_bucket: Static<typeof TokenBucket> | null;
  burst: Static<typeof Burst> | null;
  throttle: Static<typeof Throttle>;
  priority: number;
  is_active: boolean;
}

const Conditions = Type.Object(
  {
    plans: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 20, uniqueItems: true })),
    roles: Type.Optional(Type.Array(Text(64), { minItems: 1, maxItems: 20, uniqueItems: true })),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Text(256), {
        description: 'Header name → value it must have; "*" only requires the header.',
      }),
    ),
    ip_ranges: Type.Optional(Type.Array(Text(64), { minItems: 1, maxItems: 50 })),
    user_agent: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'A glob, case-insensitive: "*bot*".',
      }),
    ),
  },
  { additionalProperties: false },
);
export type Conditions = Static<typeof Conditions>;

const Target = Type.Object(
  {
    type: literals(TARGET_TYPES),
    value: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'The id, address, role or path glob; "*" for any (default).',
      }),
    ),
  },
  { additionalProperties: false },
);

const ruleFields = {
  description: Type.Optional(Text(500)),
  method: Type.Optional(literals(HTTP_METHODS)),
  path: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'A path glob: * within a segment, ** across; "*" alone for any.',
    }),
  ),
  conditions: Type.Optional(Conditions),
  priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
  enabled: Type.Optional(Type.Boolean()),
};
export const CreateRuleBody = Type.Object(
  {
    policy_id: Type.String({ minLength: 1, maxLength: 64 }),
    target: Target,
    tenant_id: TenantField,
    ...ruleFields,
  },
  { additionalProperties: false },
);
export const UpdateRuleBody = Type.Object(
  {
    policy_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    target: Type.Optional(Target),
    ...partial(ruleFields),
    version: Version,
  },
  { additionalProperties: false },
);

export interface RuleData {
  policy_id: string;
  description: string;
  target: { type: TargetType; value: string };
  method: (typeof HTTP_METHODS)[number];
  path: string;
  conditions: Conditions;
  priority: number;
  enabled: boolean;
}

/** What a plan's update may change, as its create body gives it. */
const planFields = {
  policy_id: Type.String({ minLength: 1, maxLength: 64 }),
  description: Type.Optional(Text(500)),
};
export const CreatePlanBody = Type.Object(
  { plan: Name, ...planFields, tenant_id: TenantField },
  { additionalProperties: false },
);
export const UpdatePlanBody = Type.Object(
  { ...partial(planFields), version: Version },
  { additionalProperties: false },
);
export interface PlanData {
  plan: string;
  policy_id: string;
  description: string;
}

export const AssignPlanBody = Type.Object(
  {
    plan: Name,
    subject_type: literals(PLAN_SUBJECTS),
    subject_id: Type.String({ minLength: 1, maxLength: 256 }),
    tenant_id: TenantField,
  },
  { additionalProperties: false },
);
export interface AssignmentData {
  plan: string;
  subject_type: (typeof PLAN_SUBJECTS)[number];
  subject_id: string;
}

export const CreateBypassBody = Type.Object(
  {
    type: literals(BYPASS_TYPES),
    value: Type.String({ minLength: 1, maxLength: 256 }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    expires_in_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    tenant_id: TenantField,
  },
  { additionalProperties: false },
);
export interface BypassData {
  type: (typeof BYPASS_TYPES)[number];
  value: string;
  reason: string;
  created_by: string;
  expires_at: number | null;
}

export const CreateAdjustmentBody = Type.Object(
  {
    rule_id: Type.String({ minLength: 1, maxLength: 64 }),
    max_requests: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    window_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    duration_seconds: Type.Integer({ minimum: 1, maximum: 2_592_000 }),
  },
  { additionalProperties: false },
);
export interface AdjustmentData {
  rule_id: string;
  max_requests: number;
  window_seconds: number | null;
  reason: string;
  created_by: string;
  expires_at: number;
  reverted_at: number | null;
  reverted_by: string | null;
}

/** What a cost's update may change (not what it matches), as its create body gives it. */
const costFields = {
  cost: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
  description: Type.Optional(Text(500)),
};
export const CreateCostBody = Type.Object(
  {
    method: Type.Optional(literals(HTTP_METHODS)),
    path: Type.String({ minLength: 1, maxLength: 512 }),
    ...costFields,
    tenant_id: TenantField,
  },
  { additionalProperties: false },
);
export const UpdateCostBody = Type.Object(
  { ...partial(costFields), version: Version },
  { additionalProperties: false },
);
export interface CostData {
  method: (typeof HTTP_METHODS)[number];
  path: string;
  cost: number;
  description: string;
}

const envelope = ViewEnvelope;
const Stamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const PolicyView = Type.Object({
  ...envelope,
  name: Type.String(),
  description: Type.String(),
  limits: Type.Array(PolicyLimit),
  algorithm: literals(ALGORITHMS),
  token_bucket: Type.Union([TokenBucket, Type.Null()]),
  burst: Type.Union([Burst, Type.Null()]),
  throttle: Throttle,
  priority: Type.Integer(),
  is_active: Type.Boolean(),
});
export const RuleView = Type.Object({
  ...envelope,
  policy_id: Type.String(),
  description: Type.String(),
  target: Type.Object({ type: literals(TARGET_TYPES), value: Type.String() }),
  method: literals(HTTP_METHODS),
  path: Type.String(),
  conditions: Conditions,
  priority: Type.Integer(),
  enabled: Type.Boolean(),
});
export const PlanView = Type.Object({
  ...envelope,
  plan: Type.String(),
  policy_id: Type.String(),
  description: Type.String(),
});
export const AssignmentView = Type.Object({
  ...envelope,
  plan: Type.String(),
  subject_type: literals(PLAN_SUBJECTS),
  subject_id: Type.String(),
});
export const BypassView = Type.Object({
  ...envelope,
  type: literals(BYPASS_TYPES),
  value: Type.String(),
  reason: Type.String(),
  created_by: Type.String(),
  expires_at: Stamp,
});
export const AdjustmentView = Type.Object({
  ...envelope,
  rule_id: Type.String(),
  max_requests: Type.Integer(),
  window_seconds: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String(),
  created_by: Type.String(),
  expires_at: Type.String({ format: 'date-time' }),
  reverted_at: Stamp,
  reverted_by: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
});
export const CostView = Type.Object({
  ...envelope,
  method: literals(HTTP_METHODS),
  path: Type.String(),
  cost: Type.Number(),
  description: Type.String(),
});

export { ListQuery, PageOf } from '../objects/schemas.js';

/** The document of each kind of rate-limit object, by its repository's name. */
export interface RateLimitData {
  policies: PolicyData;
  rules: RuleData;
  plans: PlanData;
  assignments: AssignmentData;
  bypasses: BypassData;
  adjustments: AdjustmentData;
  costs: CostData;
}
