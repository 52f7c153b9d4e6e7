import type { ErrorCode } from '../core/errors.js';
import type { IdKind } from '../core/ids.js';
import type { ObjectKind } from '../objects/kind.js';

/**
 * A kind of analytics object whose global objects read every tenant's data: no tenant sees
 * them, and only an analytics:manage key bound to no tenant writes them (`refusal` says so).
 */
export function analyticsKind<K extends string>(
  kind: K,
  idKind: IdKind,
  notFound: ErrorCode,
  refusal: string,
): ObjectKind<K> {
  return {
    kind,
    idKind,
    notFound,
    global: { visibleToTenants: false, writeScope: 'analytics:manage', refusal },
  };
}
