import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';
import { callApp } from '../helpers/http';
import { bearer, generateRsaKeyPair, mintSessionToken, testPublicJwk } from '../helpers/tokens';

/** Each test is its own Clerk instance (API host ⇒ its own KV keys and per-isolate key cache). */
function instance() {
  const apiUrl = `https://api-${crypto.randomUUID().slice(0, 8)}.clerk.test`;
  const bindings = { ...env, CLERK_JWT_KEY: undefined, CLERK_API_URL: apiUrl } as unknown as typeof env;
  const host = new URL(apiUrl).host;
  return { apiUrl, bindings, kvKey: `jwks:v1:${host}` };
}

let app = createApp();
let clerk: ClerkMock | undefined;
afterEach(() => clerk?.restore());

const send = (bindings: typeof env, path: string, init?: RequestInit) => callApp(app, path, init, bindings);

describe('JWKS mode (no CLERK_JWT_KEY): memory → KV → Clerk', () => {
  it('fetches the key set from Clerk once, verifies, and stores it in KV', async () => {
    const { apiUrl, bindings, kvKey } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [testPublicJwk()] }) }, apiUrl);
    const token = await mintSessionToken({ userId: 'user_jwks' });
    for (let i = 0; i < 5; i++) expect((await send(bindings, '/v1/me', { headers: bearer(token) })).status).toBe(200);
    expect(clerk.calls).toHaveLength(1);
    expect(clerk.calls[0]?.headers.get('authorization')).toBe(`Bearer ${env.CLERK_SECRET_KEY}`);
    expect(clerk.unhandled).toEqual([]);
    expect(await env.JWKS_CACHE.get(kvKey, 'json')).toMatchObject({ keys: [{ kid: testPublicJwk().kid }] });
  });

  it('a cold isolate with KV warm reads KV once and never calls Clerk; readiness names the tier', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [testPublicJwk()] }) }, apiUrl);
    const keys = async () =>
      ((await (await send(bindings, '/health/ready')).json()) as { checks: { keys: Record<string, unknown> } }).checks
        .keys;
    expect(await keys()).toMatchObject({ status: 'ok', source: 'clerk', servingStale: false });
    app = createApp(); // a new isolate: memory is empty, KV is warm
    expect(await keys()).toMatchObject({ status: 'ok', source: 'kv' });
    expect(await keys()).toMatchObject({ status: 'ok', source: 'memory' });
    expect((await send(bindings, '/v1/me', { headers: bearer(await mintSessionToken()) })).status).toBe(200);
    expect(clerk.calls).toHaveLength(1);
  });

  it('a key removed from Clerk: a token verified (and cached) before is refused after the refresh', async () => {
    const { apiUrl, bindings, kvKey } = instance();
    // Warm KV (no Clerk call yet, so no refresh cooldown is running).
    await env.JWKS_CACHE.put(kvKey, JSON.stringify({ keys: [testPublicJwk()], fetchedAt: Date.now() }), {
      expirationTtl: 86400,
    });
    const next = await generateRsaKeyPair();
    const nextJwk = {
      ...((await crypto.subtle.exportKey('jwk', next.publicKey)) as JsonWebKey),
      kid: 'ins_next',
      alg: 'RS256',
      use: 'sig',
    };
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [nextJwk] }) }, apiUrl); // the old key is gone
    const seen = await mintSessionToken({ userId: 'user_seen' });
    expect((await send(bindings, '/v1/me', { headers: bearer(seen) })).status).toBe(200);
    expect((await send(bindings, '/v1/me', { headers: bearer(seen) })).status).toBe(200); // from the result cache
    expect(clerk.calls).toHaveLength(0);
    const rotated = await mintSessionToken({ header: { kid: 'ins_next' }, key: next.privateKey });
    // unknown kid ⇒ one refresh
    expect((await send(bindings, '/v1/me', { headers: bearer(rotated) })).status).toBe(200);
    expect(clerk.calls).toHaveLength(1);
    const refused = await send(bindings, '/v1/me', { headers: bearer(seen) });
    expect(refused.status).toBe(401);
    expect(clerk.unhandled).toEqual([]);
  });

  it('Clerk down with stale keys in KV: valid tokens still pass, readiness is degraded', async () => {
    const { apiUrl, bindings, kvKey } = instance();
    await env.JWKS_CACHE.put(
      kvKey,
      JSON.stringify({ keys: [testPublicJwk()], fetchedAt: Date.now() - 30 * 3600_000 }),
      {
        expirationTtl: 86400,
      },
    );
    clerk = mockClerk({ '/v1/jwks': () => json({ errors: [] }, 500) }, apiUrl);
    expect((await send(bindings, '/v1/me', { headers: bearer(await mintSessionToken()) })).status).toBe(200);
    const ready = (await (await send(bindings, '/health/ready')).json()) as {
      checks: { keys: Record<string, unknown> };
    };
    expect(ready.checks.keys).toMatchObject({
      status: 'degraded',
      servingStale: true,
      lastRefreshError: 'clerk_unreachable',
    });
    expect(ready.checks.keys.ageSeconds).toBeGreaterThan(29 * 3600);
  });

  it('Clerk failing and no cached key: 503 auth_unavailable with Retry-After; readiness fails', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ errors: [{ code: 'clerk_key_invalid' }] }, 401) }, apiUrl);
    const res = await send(bindings, '/v1/me', { headers: bearer(await mintSessionToken()) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('auth_unavailable');
    const ready = await send(bindings, '/health/ready');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { keys: unknown } }).checks.keys).toMatchObject({
      status: 'fail',
      lastRefreshError: 'secret_key_invalid',
    });
  });

  it('a garbage token never triggers a Clerk fetch (cheap refusals first)', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [testPublicJwk()] }) }, apiUrl);
    for (const t of ['garbage', 'a.b.c', await mintSessionToken({ header: { alg: 'none' } })]) {
      expect((await send(bindings, '/v1/me', { headers: bearer(t) })).status).toBe(401);
    }
    expect(clerk.calls).toHaveLength(0);
  });

  it('a flood of random kids: 401 each, at most one Clerk fetch in the cooldown window', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [testPublicJwk()] }) }, apiUrl);
    const other = (await generateRsaKeyPair()).privateKey;
    for (let i = 0; i < 30; i++) {
      const t = await mintSessionToken({ header: { kid: `ins_random_${i}` }, key: other });
      expect((await send(bindings, '/v1/me', { headers: bearer(t) })).status).toBe(401);
    }
    expect(clerk.calls.length).toBeLessThanOrEqual(1);
  });

  it('KV throwing on get and put: still verifies via Clerk', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [testPublicJwk()] }) }, apiUrl);
    const broken = {
      get: async () => {
        throw new Error('KV down');
      },
      put: async () => {
        throw new Error('KV down');
      },
    };
    const res = await send({ ...bindings, JWKS_CACHE: broken } as unknown as typeof env, '/v1/me', {
      headers: bearer(await mintSessionToken()),
    });
    expect(res.status).toBe(200);
  });

  it('GET /.well-known/jwks.json: public keys from the cache, ETag, 304', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => json({ keys: [{ ...testPublicJwk(), d: 'PRIVATE' }] }) }, apiUrl);
    const res = await send(bindings, '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({
      keys: [{ kid: testPublicJwk().kid, kty: 'RSA', n: testPublicJwk().n, e: 'AQAB', alg: 'RS256', use: 'sig' }],
    });
    const etag = res.headers.get('etag')!;
    const again = await send(bindings, '/.well-known/jwks.json', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(clerk.calls).toHaveLength(1);
  });

  it('GET /.well-known/jwks.json: 503 when no key is obtainable', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({ '/v1/jwks': () => new Response('not json') }, apiUrl);
    const res = await send(bindings, '/.well-known/jwks.json');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
  });

  it('missing secret key in JWKS mode: 503 misconfigured, never a fetch', async () => {
    const { apiUrl, bindings } = instance();
    clerk = mockClerk({}, apiUrl);
    const res = await send({ ...bindings, CLERK_SECRET_KEY: undefined } as unknown as typeof env, '/v1/me', {
      headers: bearer(await mintSessionToken()),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('misconfigured');
    expect(clerk.calls).toHaveLength(0);
  });
});

describe('networkless mode (CLERK_JWT_KEY)', () => {
  it('serves the JWK derived from the PEM, with an RFC 7638 thumbprint kid', async () => {
    clerk = mockClerk({});
    const res = await send(env, '/.well-known/jwks.json');
    const { keys } = (await res.json()) as { keys: { kid: string; n: string }[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]?.n).toBe(testPublicJwk().n);
    expect(keys[0]?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(clerk.calls).toHaveLength(0);
  });

  it('readiness reports the jwt_key source', async () => {
    clerk = mockClerk({});
    const body = (await (await send(env, '/health/ready')).json()) as { checks: { keys: unknown } };
    expect(body.checks.keys).toMatchObject({
      status: 'ok',
      source: 'jwt_key',
      servingStale: false,
      lastRefreshError: null,
    });
  });

  it('a CLERK_JWT_KEY that is not an RSA key: 503 misconfigured, not a 500', async () => {
    clerk = mockClerk({});
    const bad = { ...env, CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' } as typeof env;
    const res = await send(bad, '/v1/me', { headers: bearer(await mintSessionToken()) });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('misconfigured');
  });
});
