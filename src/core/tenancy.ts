/** The tenant of a single-tenant install and of requests that name none. */
export const DEFAULT_TENANT = 'default';

/** Tenant ids are short, URL-safe names. */
export const TENANT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
