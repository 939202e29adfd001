import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectError } from '../helpers/http';
import {
  base64url,
  bearer,
  generateRsaKeyPair,
  mintSessionToken,
  SESSION_TOKEN_CAT,
  sessionClaims,
  signJwt,
  TEST_KID,
} from '../helpers/tokens';

const now = () => Math.floor(Date.now() / 1000);
const header = (extra: Record<string, unknown> = {}) => ({
  alg: 'RS256',
  kid: TEST_KID,
  typ: 'JWT',
  cat: SESSION_TOKEN_CAT,
  ...extra,
});

async function hmacToken(secret: string): Promise<string> {
  const input = `${base64url(JSON.stringify(header({ alg: 'HS256' })))}.${base64url(JSON.stringify(sessionClaims()))}`;
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return `${input}.${base64url(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input)))}`;
}

/** Each case: the headers of a request to a session-only route that must be refused with 401 invalid_token. */
const cases: Record<string, () => Promise<Record<string, string>>> = {
  'no credentials at all': async () => ({}),
  'alg none, empty signature': async () => {
    const t = await mintSessionToken();
    const [, p] = t.split('.');
    return bearer(`${base64url(JSON.stringify(header({ alg: 'none' })))}.${p}.`);
  },
  'alg none with the original signature': async () => {
    const [, p, s] = (await mintSessionToken()).split('.');
    return bearer(`${base64url(JSON.stringify(header({ alg: 'none' })))}.${p}.${s}`);
  },
  'HS256 signed with the public key PEM as secret': async () => {
    return bearer(await hmacToken(env.CLERK_JWT_KEY));
  },
  'RS384 header over an RS256 signature': async () => bearer(await mintSessionToken({ header: { alg: 'RS384' } })),
  'RS256 signed by another key': async () =>
    bearer(await mintSessionToken({ key: (await generateRsaKeyPair()).privateKey })),
  'signature of another token': async () => {
    const [h, p] = (await mintSessionToken({ userId: 'user_victim' })).split('.');
    const [, , s] = (await mintSessionToken({ userId: 'user_attacker' })).split('.');
    return bearer(`${h}.${p}.${s}`);
  },
  'payload swapped after signing (sub changed)': async () => {
    const [h, , s] = (await mintSessionToken()).split('.');
    return bearer(`${h}.${base64url(JSON.stringify(sessionClaims({ userId: 'user_admin' })))}.${s}`);
  },
  'kid swapped to another key with a foreign signature': async () =>
    bearer(await mintSessionToken({ header: { kid: 'ins_other' }, key: (await generateRsaKeyPair()).privateKey })),
  expired: async () => bearer(await mintSessionToken({ iat: now() - 120, ttl: 60 })),
  'expired just beyond the 5 s skew': async () => bearer(await mintSessionToken({ iat: now() - 66, ttl: 60 })),
  'nbf in the future beyond skew': async () => bearer(await mintSessionToken({ claims: { nbf: now() + 60 } })),
  'iat in the future beyond skew': async () =>
    bearer(await mintSessionToken({ iat: now() + 60, claims: { nbf: undefined } })),
  'exp missing': async () => bearer(await mintSessionToken({ claims: { exp: undefined } })),
  'exp as a string': async () => bearer(await mintSessionToken({ claims: { exp: String(now() + 60) } })),
  'sub missing': async () => bearer(await mintSessionToken({ claims: { sub: undefined } })),
  'sub not a string': async () => bearer(await mintSessionToken({ claims: { sub: 42 } })),
  'sid missing': async () => bearer(await mintSessionToken({ claims: { sid: undefined } })),
  'JWT template category': async () => bearer(await mintSessionToken({ header: { cat: 'cl_B7d4PD222AAA' } })),
  'M2M category': async () => bearer(await mintSessionToken({ header: { cat: 'cl_B7d4PD333AAA' } })),
  'typ at+jwt (OAuth access token)': async () => bearer(await mintSessionToken({ header: { typ: 'at+jwt' } })),
  'typ application/at+jwt': async () => bearer(await mintSessionToken({ header: { typ: 'application/at+jwt' } })),
  'typ JWS (not JWT)': async () => bearer(await mintSessionToken({ header: { typ: 'JWS' } })),
  'sub starting mch_ (M2M)': async () => bearer(await mintSessionToken({ userId: 'mch_2xyz' })),
  'machine token prefix mt_': async () => bearer('mt_0123456789abcdef0123456789abcdef'),
  'API key prefix ak_': async () => bearer('ak_0123456789abcdef'),
  'sts pending': async () => bearer(await mintSessionToken({ claims: { sts: 'pending' } })),
  'azp not allowed': async () => bearer(await mintSessionToken({ azp: 'https://evil.example' })),
  'azp missing while parties are set': async () => bearer(await mintSessionToken({ claims: { azp: undefined } })),
  'two segments': async () => bearer((await mintSessionToken()).split('.').slice(0, 2).join('.')),
  'four segments': async () => bearer(`${await mintSessionToken()}.AAAA`),
  'bad base64 in header': async () => {
    const [, p, s] = (await mintSessionToken()).split('.');
    return bearer(`e!!!.${p}.${s}`);
  },
  'padded base64': async () => {
    const [h, p, s] = (await mintSessionToken()).split('.');
    return bearer(`${h}==.${p}.${s}`);
  },
  'signature with non-zero trailing bits (same bytes, non-canonical base64url)': async () => {
    const t = await mintSessionToken();
    const canonical = 'AQgw'; // 256-byte RS256 signature ⇒ 342 chars ⇒ last char carries 4 unused bits
    const last = t.at(-1)!;
    expect(canonical).toContain(last);
    return bearer(`${t.slice(0, -1)}${String.fromCharCode(last.charCodeAt(0) + 1)}`);
  },
  'non-JSON header': async () => {
    const [, p, s] = (await mintSessionToken()).split('.');
    return bearer(`${base64url('not json')}.${p}.${s}`);
  },
  'non-JSON payload (signed)': async () => {
    const h = base64url(JSON.stringify(header()));
    const p = base64url('{"sub":');
    const t = await signJwt(header(), {});
    return bearer(`${h}.${p}.${t.split('.')[2]}`);
  },
  'JSON null payload': async () => {
    const [h, , s] = (await mintSessionToken()).split('.');
    return bearer(`${h}.${base64url('null')}.${s}`);
  },
  'a 64 KB token': async () => bearer(await mintSessionToken({ claims: { pad: 'x'.repeat(64 * 1024) } })),
  'Basic scheme': async () => ({ authorization: `Basic ${btoa('user:pass')}` }),
  'lowercase bearer scheme': async () => ({ authorization: `bearer ${await mintSessionToken()}` }),
  'token without a scheme': async () => ({ authorization: await mintSessionToken() }),
  'empty bearer': async () => ({ authorization: 'Bearer ' }),
  'two Authorization headers': async () => ({
    authorization: `Bearer ${await mintSessionToken()}, Bearer ${await mintSessionToken()}`,
  }),
  'cookie token without azp': async () => ({
    cookie: `__session=${await mintSessionToken({ claims: { azp: undefined } })}`,
  }),
  'cookie token with a foreign azp': async () => ({
    cookie: `__session=${await mintSessionToken({ azp: 'https://evil.example' })}`,
  }),
  'malformed fea claim': async () =>
    bearer(await mintSessionToken({ org: { id: 'org_1', role: 'admin' }, claims: { fea: 'nocolon' } })),
};

// /v1/tenant: a session-only route (/v1/me accepts machine tokens too: test/auth/machine-http.test.ts).
describe('hostile tokens on a session-only route: 401 invalid_token, never 5xx', () => {
  it('has at least 30 cases', () => expect(Object.keys(cases).length).toBeGreaterThanOrEqual(30));

  for (const [name, build] of Object.entries(cases)) {
    it(name, async () => {
      const res = await call('/v1/tenant', { headers: await build() });
      const error = await expectError(res, 401, 'invalid_token');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="fulcrum", error="invalid_token"');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('location')).toBeNull();
      expect([...res.headers.keys()].filter((k) => k.startsWith('x-clerk'))).toEqual([]);
      expect(error).toMatchObject({ signInUrl: '/sign-in' });
      expect(JSON.stringify(error)).not.toMatch(/expired|signature|azp|kid/i);
    });
  }
});
