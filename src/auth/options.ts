/** Authentication options (auth.*): the admin key, API key caching and end-user JWTs. */
import { defineOptions, type SectionOf, sectionCheck } from '../core/option-spec.js';

/** API keys and end-user tokens. */
export const AUTH_OPTIONS = defineOptions([
  {
    path: 'auth.admin_key',
    type: 'string',
    default: '',
    secret: true,
    env: ['NOTIFYD_ADMIN_KEY'],
    doc: 'A bootstrap API key with every scope, for any tenant. Use it to create real keys, then unset it.',
  },
  {
    path: 'auth.bootstrap_key_file',
    file: true,
    type: 'string',
    default: './data/admin.key',
    doc: 'When no admin key is set and the store has no key, serve writes a new admin key here (mode 0600). Empty disables.',
  },
  {
    path: 'auth.key_cache_ms',
    type: 'integer',
    default: 5000,
    min: 0,
    max: 3600000,
    doc: 'How long a verified API key is remembered; a key revoked on another node stops working within this time.',
  },
  {
    path: 'auth.jwt.secret',
    type: 'string',
    default: '',
    secret: true,
    env: ['JWT_SECRET'],
    doc: 'HS256 secret for end-user tokens.',
  },
  {
    path: 'auth.jwt.public_key',
    file: true,
    type: 'string',
    default: '',
    env: ['JWT_PUBLIC_KEY'],
    doc: 'PEM public key (inline or a file path) for RS256/ES256 end-user tokens.',
  },
  {
    path: 'auth.jwt.jwks_file',
    file: true,
    type: 'string',
    default: '',
    doc: 'Path to a JWKS file whose keys verify end-user tokens (chosen by the token kid).',
  },
  {
    path: 'auth.jwt.algorithms',
    type: 'list',
    default: ['HS256', 'RS256', 'ES256'],
    doc: 'Token algorithms accepted; each needs its key above.',
  },
  {
    path: 'auth.jwt.issuer',
    type: 'string',
    default: '',
    doc: 'When set, tokens must carry this iss claim.',
  },
  {
    path: 'auth.jwt.audience',
    type: 'string',
    default: '',
    doc: 'When set, tokens must carry this aud claim.',
  },
  {
    path: 'auth.jwt.clock_tolerance_s',
    type: 'integer',
    default: 5,
    min: 0,
    max: 3600,
    doc: 'Seconds of clock skew allowed when checking exp, nbf and iat.',
  },
  {
    path: 'auth.jwt.require_exp',
    type: 'boolean',
    default: true,
    doc: 'Refuse end-user tokens without an exp claim (a token without one would never expire).',
  },
  {
    path: 'auth.jwt.max_lifetime_seconds',
    type: 'integer',
    default: 604800,
    min: 0,
    max: 31622400,
    doc: 'Longest lifetime an end-user token may have: exp minus iat (or minus now without iat). Longer tokens are refused. 0: no bound.',
  },
]);

/** Authentication settings as loaded: `auth.*`. */
export type AuthOptions = SectionOf<typeof AUTH_OPTIONS, 'auth'>;

/** How end-user tokens are verified: `auth.jwt.*`. */
export type JwtOptions = SectionOf<typeof AUTH_OPTIONS, 'auth.jwt'>;

/** The JWS algorithms end-user tokens may be signed with. */
export const JWT_ALGORITHMS: readonly string[] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/**
 * The accepted token algorithms must be known, and each kind accepted needs its key. A
 * server without any JWT key is valid: token requests fail, start-up does not.
 */
export const checkAuthOptions = sectionCheck(
  'auth',
  ({ jwt }: Pick<AuthOptions, 'jwt'>, report) => {
    const unknown = jwt.algorithms.filter((a) => !JWT_ALGORITHMS.includes(a));
    if (jwt.algorithms.length === 0) {
      report(
        'auth.jwt.algorithms',
        jwt.algorithms,
        'must list at least one algorithm, e.g. [HS256]',
      );
    } else if (unknown.length > 0) {
      report(
        'auth.jwt.algorithms',
        jwt.algorithms,
        `${unknown.join(', ')} is not a token algorithm; use some of ${JWT_ALGORITHMS.join(', ')}`,
      );
    } else if (jwt.algorithms.every((a) => a.startsWith('HS')) && !jwt.secret) {
      report(
        'auth.jwt.algorithms',
        jwt.algorithms,
        'only HMAC algorithms are accepted but auth.jwt.secret is empty; set JWT_SECRET, or accept RS256/ES256 and set auth.jwt.public_key or auth.jwt.jwks_file',
      );
    } else if (
      jwt.algorithms.every((a) => !a.startsWith('HS')) &&
      !jwt.public_key &&
      !jwt.jwks_file
    ) {
      report(
        'auth.jwt.algorithms',
        jwt.algorithms,
        'only public-key algorithms are accepted but neither auth.jwt.public_key nor auth.jwt.jwks_file is set; set one, or accept HS256 and set JWT_SECRET',
      );
    }
  },
);
