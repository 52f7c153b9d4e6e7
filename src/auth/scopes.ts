/** Every scope an API key can carry. */
export const SCOPES = [
  'notifications:send',
  'notifications:manage',
  'notifications:admin',
  'analytics:read',
  'analytics:write',
  'analytics:manage',
  'ratelimit:read',
  'ratelimit:manage',
  'ratelimit:admin',
] as const;

export type Scope = (typeof SCOPES)[number];

/** A broader scope includes the narrower ones of its module. */
const IMPLIED: Record<string, Scope[]> = {
  'notifications:admin': ['notifications:manage', 'notifications:send'],
  'notifications:manage': ['notifications:send'],
  'analytics:manage': ['analytics:read', 'analytics:write'],
  'ratelimit:admin': ['ratelimit:manage', 'ratelimit:read'],
  'ratelimit:manage': ['ratelimit:read'],
};

/** True when a key with `granted` scopes may act with `needed`. `*` grants everything. */
export function hasScope(granted: readonly string[], needed: Scope): boolean {
  for (const scope of granted) {
    if (scope === '*' || scope === needed) return true;
    if (IMPLIED[scope]?.includes(needed)) return true;
  }
  return false;
}
