import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { FakeClock } from '../../src/core/clock.js';

const base = {
  secret: '',
  public_key: '',
  jwks_file: '',
  algorithms: ['HS256', 'RS256', 'ES256'],
  issuer: '',
  audience: '',
  clock_tolerance_s: 5,
  require_exp: true,
  max_lifetime_seconds: 604800,
};

const sign = (
  claims: Record<string, unknown>,
  alg: string,
  key: Parameters<SignJWT['sign']>[0],
  kid?: string,
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);

t.test('RS256 with a PEM public key, inline or from a file', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const pem = await exportSPKI(publicKey);
  const file = join(t.testdir({}), 'key.pem');
  writeFileSync(file, pem);
  for (const public_key of [pem, file]) {
    const verifier = createJwtVerifier({ ...base, public_key });
    const user = await verifier.verify(
      await sign({ sub: 'u1', tenant_id: 'acme' }, 'RS256', privateKey),
    );
    t.match(user, { kind: 'user', user_id: 'u1', tenant_id: 'acme' });
    t.type(user.expires_at, 'number');
  }
  const hsOnly = createJwtVerifier({ ...base, public_key: pem });
  await t.rejects(
    hsOnly.verify(await sign({ sub: 'u' }, 'HS256', new TextEncoder().encode('x'.repeat(32)))),
    { code: 'AUTH_FAILED' },
    'HS256 without a secret is refused',
  );
});

t.test('ES256 from a JWKS file, chosen by kid', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const file = join(t.testdir({}), 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [jwk] }));
  const verifier = createJwtVerifier({ ...base, jwks_file: file });
  t.match(await verifier.verify(await sign({ sub: 'u2' }, 'ES256', privateKey, 'k1')), {
    user_id: 'u2',
    tenant_id: 'default',
  });
  await t.rejects(verifier.verify(await sign({ sub: 'u2' }, 'ES256', privateKey, 'other')), {
    code: 'AUTH_FAILED',
  });
});

t.test('claims: sub, tenant_id, issuer, audience, algorithms', async (t) => {
  const secret = 'a-secret-of-enough-length-0123456789';
  const key = new TextEncoder().encode(secret);
  const strict = createJwtVerifier({
    ...base,
    secret,
    issuer: 'https://auth.example',
    audience: 'notifyd',
  });
  const good = await new SignJWT({ sub: 'u3' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('https://auth.example')
    .setAudience('notifyd')
    .setExpirationTime('5m')
    .sign(key);
  t.equal((await strict.verify(good)).user_id, 'u3');
  await t.rejects(
    strict.verify(await sign({ sub: 'u3' }, 'HS256', key)),
    { code: 'AUTH_FAILED' },
    'no iss/aud',
  );
  const loose = createJwtVerifier({ ...base, secret });
  await t.rejects(loose.verify(await sign({}, 'HS256', key)), { code: 'AUTH_FAILED' }, 'no sub');
  await t.rejects(loose.verify(await sign({ sub: 'u', tenant_id: 'a b' }, 'HS256', key)), {
    code: 'AUTH_FAILED',
  });
  await t.rejects(loose.verify(await sign({ sub: 'u', tenant_id: 7 }, 'HS256', key)), {
    code: 'AUTH_FAILED',
  });
  const rsOnly = createJwtVerifier({ ...base, secret, algorithms: ['RS256'] });
  await t.rejects(rsOnly.verify(await sign({ sub: 'u' }, 'HS256', key)), { code: 'AUTH_FAILED' });
});

t.test('times: exp required, lifetime bounded, iat not in the future', async (t) => {
  const secret = 'a-secret-of-enough-length-0123456789';
  const key = new TextEncoder().encode(secret);
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const nowS = clock.now() / 1000;
  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ sub: 'u', ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(key);
  const verifier = createJwtVerifier(
    { ...base, secret, clock_tolerance_s: 30, max_lifetime_seconds: 3600 },
    clock,
  );
  t.equal((await verifier.verify(await token({ iat: nowS, exp: nowS + 600 }))).user_id, 'u');
  await t.rejects(verifier.verify(await token({ iat: nowS })), {
    code: 'AUTH_FAILED',
    message: /exp/,
  });
  await t.rejects(
    verifier.verify(await token({ iat: nowS, exp: nowS + 7200 })),
    { code: 'AUTH_FAILED', message: /max_lifetime_seconds/ },
    'a token living longer than the bound',
  );
  await t.rejects(
    verifier.verify(await token({ exp: nowS + 7200 })),
    { code: 'AUTH_FAILED', message: /max_lifetime_seconds/ },
    'without iat the lifetime counts from now',
  );
  t.ok(
    await verifier.verify(await token({ iat: nowS + 20, exp: nowS + 600 })),
    'an iat within the skew is accepted',
  );
  await t.rejects(
    verifier.verify(await token({ iat: nowS + 3600, exp: nowS + 3700 })),
    { code: 'AUTH_FAILED', message: /iat/ },
    'an iat in the future beyond the skew',
  );
  await t.rejects(
    verifier.verify(await token({ exp: nowS - 60 })),
    { code: 'AUTH_FAILED' },
    'expiry is judged by the injected clock',
  );
  clock.advance(3600_000);
  await t.rejects(verifier.verify(await token({ iat: nowS, exp: nowS + 600 })), {
    code: 'AUTH_FAILED',
  });

  const lenient = createJwtVerifier(
    { ...base, secret, require_exp: false, max_lifetime_seconds: 0 },
    clock,
  );
  t.ok(await lenient.verify(await token({})), 'require_exp off accepts a token without exp');
  t.ok(await lenient.verify(await token({ exp: nowS + 10 * 365 * 86400 })), '0: no bound');
});

t.test('control characters in sub, channels and roles are refused', async (t) => {
  const secret = 'a-secret-of-enough-length-0123456789';
  const key = new TextEncoder().encode(secret);
  const verifier = createJwtVerifier({ ...base, secret });
  for (const claims of [
    { sub: 'alice\u0000' },
    { sub: 'al\nice' },
    { sub: 'bob\u007f' },
    { sub: 'carol\u0085' },
    { sub: 'u', channels: ['news\r\n'] },
    { sub: 'u', roles: ['admin\u0000'] },
  ]) {
    await t.rejects(
      verifier.verify(await sign(claims, 'HS256', key)),
      { code: 'AUTH_FAILED' },
      JSON.stringify(claims),
    );
  }
  t.equal((await verifier.verify(await sign({ sub: 'zoë 👋' }, 'HS256', key))).user_id, 'zoë 👋');
});
