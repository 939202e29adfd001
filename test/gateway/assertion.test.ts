import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ASSERTION_TYP } from '../../src/gateway/assertion';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { AUDIENCE, capturedOrigin, edgeKey, type GatewayBindings, gatewayBindings, send } from './harness';

const ISSUER = 'https://edge.fulcrum.test';

async function jwksOf(b: GatewayBindings) {
  const res = await send(b, '/.well-known/fulcrum/jwks.json');
  expect(res.status).toBe(200);
  return (await res.json()) as { keys: Record<string, unknown>[] };
}

/** Verifies with jose (independent of our signing code) against the published JWKS. */
async function verify(assertion: string, jwks: { keys: Record<string, unknown>[] }) {
  return jwtVerify(assertion, createLocalJWKSet(jwks as never), {
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: ASSERTION_TYP,
  });
}

async function forwardedAssertion(b: GatewayBindings, origin: ReturnType<typeof capturedOrigin>, token: string) {
  expect((await send(b, '/api/x', { headers: bearer(token) })).status).toBe(200);
  return origin.received.at(-1)!.headers.get('x-fulcrum-assertion')!;
}

describe('x-fulcrum-assertion', () => {
  it.each(['EdDSA', 'ES256'] as const)('%s: verifies with jose against the JWKS; claims as documented', async (alg) => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin, {
      EDGE_SIGNING_KEY: await edgeKey(alg, `kid-${alg}`),
    });
    const user = uid('user');
    const orgId = uid('org');
    const token = await mintSessionToken({
      userId: user,
      sessionId: 'sess_a1',
      claims: { v: undefined, org_id: orgId, org_role: 'org:admin', org_permissions: ['org:r:read'] },
    });
    const assertion = await forwardedAssertion(b, origin, token);
    expect(decodeProtectedHeader(assertion)).toEqual({ alg, kid: `kid-${alg}`, typ: ASSERTION_TYP });
    const { payload } = await verify(assertion, await jwksOf(b));
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: user,
      sid: 'sess_a1',
      tid: orgId,
      org_id: orgId,
      org_role: 'org:admin',
      org_permissions: ['org:r:read'],
      token_type: 'session_token',
      scopes: [],
    });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(60);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never outlives the Clerk token; a jti per request', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const token = await mintSessionToken({ userId: uid('user'), ttl: 20 });
    const tokenExp = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).exp;
    const jwks = await jwksOf(b);
    const first = (await verify(await forwardedAssertion(b, origin, token), jwks)).payload;
    const second = (await verify(await forwardedAssertion(b, origin, token), jwks)).payload;
    expect(first.exp).toBe(tokenExp);
    expect(first.jti).not.toBe(second.jti);
  });

  it('tampering is detected by an independent verifier', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const assertion = await forwardedAssertion(b, origin, await mintSessionToken({ userId: uid('user') }));
    const [h, p, s] = assertion.split('.') as [string, string, string];
    const claims = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
    const forged = btoa(JSON.stringify({ ...claims, sub: 'user_admin' }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    await expect(verify(`${h}.${forged}.${s}`, await jwksOf(b))).rejects.toThrow();
  });

  it('rotation: the previous key stays published, so assertions signed before the switch still verify', async () => {
    const origin = capturedOrigin();
    const oldKey = await edgeKey('EdDSA', 'old');
    const newKey = await edgeKey('ES256', 'new');
    const before = await gatewayBindings([{ prefix: '/api/' }], origin, { EDGE_SIGNING_KEY: oldKey });
    const during = { ...before, EDGE_SIGNING_KEY: newKey, EDGE_SIGNING_KEY_PREVIOUS: oldKey } as GatewayBindings;
    const after = { ...before, EDGE_SIGNING_KEY: newKey } as GatewayBindings;
    const oldAssertion = await forwardedAssertion(before, origin, await mintSessionToken({ userId: uid('user') }));
    const duringJwks = await jwksOf(during);
    expect(duringJwks.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(duringJwks.keys.every((k) => k.d === undefined)).toBe(true);
    await verify(oldAssertion, duringJwks);
    const newAssertion = await forwardedAssertion(during, origin, await mintSessionToken({ userId: uid('user') }));
    expect(decodeProtectedHeader(newAssertion).kid).toBe('new');
    await verify(newAssertion, duringJwks);
    await expect(verify(oldAssertion, await jwksOf(after))).rejects.toThrow();
  });
});

describe('/.well-known/fulcrum/jwks.json', () => {
  it('public halves only, ETag and 304, cacheable', async () => {
    const b = await gatewayBindings([], capturedOrigin());
    const res = await send(b, '/.well-known/fulcrum/jwks.json');
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    expect(Object.keys(body.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const etag = res.headers.get('etag')!;
    const again = await send(b, '/.well-known/fulcrum/jwks.json', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('a missing or malformed key ⇒ 503 misconfigured naming the variable (never its value)', async () => {
    for (const [key, prev] of [
      [undefined, undefined],
      ['{"kty":"OKP","crv":"Ed25519","x":"abc"}', undefined], // no kid, no d
      ['{"kty":"RSA","kid":"r","d":"x","n":"y","e":"AQAB"}', undefined],
      [await edgeKey('EdDSA', 'same'), await edgeKey('EdDSA', 'same')],
      [await edgeKey('EdDSA'), 'not json'],
    ]) {
      const b = await gatewayBindings([], capturedOrigin(), { EDGE_SIGNING_KEY: key, EDGE_SIGNING_KEY_PREVIOUS: prev });
      const res = await send(b, '/.well-known/fulcrum/jwks.json');
      const text = await res.clone().text();
      await expectError(res, 503, 'misconfigured');
      if (key) expect(text).not.toContain(JSON.parse(key.startsWith('{') ? key : '{}').d ?? '\u0000');
    }
  });
});
