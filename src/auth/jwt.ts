import { createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  importSPKI,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type Clock, systemClock } from '../core/clock.js';
import { NotifydError } from '../core/errors.js';
import { DEFAULT_TENANT, TENANT_PATTERN } from '../core/tenancy.js';
import type { JwtOptions } from './options.js';
import type { UserPrincipal } from './principal.js';

const TENANT_RE = new RegExp(TENANT_PATTERN);
/** Has a C0 or C1 control character (or DEL): never part of a user id, channel or role. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * Checks end-user tokens: signature, algorithm, expiry (required unless
 * `auth.jwt.require_exp` is off), lifetime, issue time, and the optional iss/aud. REST, the
 * WebSocket gateway and SSE all use this one verifier.
 */
export interface JwtVerifier {
  verify(token: string): Promise<UserPrincipal>;
}

function pemFrom(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

/** Builds the verifier from `auth.jwt`; key files are read once, here. */
export function createJwtVerifier(jwt: JwtOptions, clock: Clock = systemClock): JwtVerifier {
  const secret: KeyObject | null = jwt.secret ? createSecretKey(Buffer.from(jwt.secret)) : null;
  const pem = jwt.public_key ? pemFrom(jwt.public_key) : null;
  const jwks: JWTVerifyGetKey | null = jwt.jwks_file
    ? createLocalJWKSet(JSON.parse(readFileSync(jwt.jwks_file, 'utf8')) as JSONWebKeySet)
    : null;
  const publicKeys = new Map<string, Promise<CryptoKey | KeyObject>>();

  const getKey = async (
    header: Parameters<JWTVerifyGetKey>[0],
    token: Parameters<JWTVerifyGetKey>[1],
  ) => {
    const alg = header.alg ?? '';
    if (alg.startsWith('HS')) {
      if (secret) return secret;
    } else if (jwks && (header.kid || !pem)) {
      return jwks(header, token);
    } else if (pem) {
      let key = publicKeys.get(alg);
      if (!key) {
        key = importSPKI(pem, alg);
        publicKeys.set(alg, key);
      }
      return key;
    }
    throw new Error(`no key configured for ${alg}`);
  };

  const options = {
    algorithms: [...jwt.algorithms],
    clockTolerance: jwt.clock_tolerance_s,
    ...(jwt.require_exp ? { requiredClaims: ['exp'] } : {}),
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };

  return {
    async verify(token) {
      let payload: Record<string, unknown>;
      const now = clock.now();
      try {
        ({ payload } = await jwtVerify(token, getKey, { ...options, currentDate: new Date(now) }));
      } catch (err) {
        const reason = err instanceof Error ? err.message : 'invalid token';
        throw new NotifydError('AUTH_FAILED', `The token was refused: ${reason}.`);
      }
      checkTimes(payload, now / 1000, jwt);
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256 || hasControl(sub)) {
        throw new NotifydError('AUTH_FAILED', 'The token has no usable sub claim.');
      }
      const tenant = payload.tenant_id ?? DEFAULT_TENANT;
      if (typeof tenant !== 'string' || !TENANT_RE.test(tenant)) {
        throw new NotifydError('AUTH_FAILED', 'The token has an invalid tenant_id claim.');
      }
      const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : null;
      const channels = stringList(payload.channels, 'channels');
      const roles = stringList(payload.roles, 'roles');
      const scopes = stringList(
        typeof payload.scope === 'string' && payload.scopes === undefined
          ? payload.scope.split(' ').filter(Boolean)
          : payload.scopes,
        'scopes',
      );
      const user = { user_id: sub, tenant_id: tenant, expires_at: exp, channels, roles, scopes };
      return { kind: 'user', ...user };
    },
  };
}

/**
 * What jose leaves to the caller: an issue time in the future (beyond the allowed skew) is
 * refused, and so is a lifetime over `max_lifetime_seconds`.
 */
function checkTimes(payload: Record<string, unknown>, nowS: number, jwt: JwtOptions): void {
  const { iat, exp } = payload;
  const skew = jwt.clock_tolerance_s;
  if (typeof iat === 'number' && iat > nowS + skew) {
    throw new NotifydError('AUTH_FAILED', 'The token was refused: its iat is in the future.');
  }
  const max = jwt.max_lifetime_seconds;
  if (max > 0 && typeof exp === 'number') {
    const from = typeof iat === 'number' ? iat : nowS;
    if (exp - from > max + skew) {
      throw new NotifydError(
        'AUTH_FAILED',
        `The token was refused: it lives longer than auth.jwt.max_lifetime_seconds (${max}).`,
      );
    }
  }
}

/** A claim that must be a short list of short strings (absent: empty). */
function stringList(claim: unknown, name: string): string[] {
  const list = claim ?? [];
  if (
    !Array.isArray(list) ||
    list.length > 100 ||
    !list.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 128 && !hasControl(c))
  ) {
    throw new NotifydError('AUTH_FAILED', `The token has an invalid ${name} claim.`);
  }
  return list;
}
