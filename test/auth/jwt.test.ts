import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import { createJwtVerifier } from '../../src/auth/jwt.js';

const base = {
  secret: '',
  public_key: '',
  jwks_file: '',
  algorithms: ['HS256', 'RS256', 'ES256'],
  issuer: '',
  audience: '',
  clock_tolerance_s: 5,
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
