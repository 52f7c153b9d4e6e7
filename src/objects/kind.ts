import type { Scope } from '../auth/scopes.js';
import type { ErrorCode } from '../core/errors.js';
import type { IdKind } from '../core/ids.js';

/** Who may see and write the global objects (tenant null) of a kind. */
export interface GlobalRules {
  /**
   * Whether a key bound to a tenant sees the kind's global objects: yes where a global object
   * applies in every tenant (a global rate-limit policy); no where it reaches into every
   * tenant (a global webhook gets every tenant's events).
   */
  visibleToTenants: boolean;
  /** The scope an unbound key needs to write global objects. */
  writeScope: Scope;
  /** What a caller that may not write a global object is told. */
  refusal: string;
}

/** One kind of tenant-scoped, versioned admin object: how it is stored and who reaches it. */
export interface ObjectKind<K extends string = string> {
  /** The object-store kind, e.g. `ratelimit_policy`. */
  kind: K;
  /** The prefix of its ids (`rlp` gives `rlp_…`). */
  idKind: IdKind;
  /** The 404 code when it is absent or out of the caller's reach. */
  notFound: ErrorCode;
  global: GlobalRules;
}
