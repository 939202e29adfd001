import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { TenantCache } from '../../src/tenants/tenant-cache';
import { createLoadTenant } from '../../src/tenants/tenant-middleware';
import { callApp, seedTenant } from '../helpers/api-app';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';
import { countingD1 } from '../helpers/counting-d1';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken, testPublicJwk } from '../helpers/tokens';
import { clerkEvent, deliver } from '../helpers/webhooks';

/** A KV binding that counts reads and writes, forwarding to the real (Miniflare) namespace. */
function countingKv(inner: KVNamespace) {
  const calls = { get: 0, put: 0 };
  const kv = {
    get: (...args: Parameters<KVNamespace['get']>) => {
      calls.get++;
      return (inner.get as (...a: unknown[]) => unknown)(...args);
    },
    getWithMetadata: (...args: Parameters<KVNamespace['getWithMetadata']>) => {
      calls.get++;
      return (inner.getWithMetadata as (...a: unknown[]) => unknown)(...args);
    },
    put: (...args: Parameters<KVNamespace['put']>) => {
      calls.put++;
      return inner.put(...args);
    },
    delete: (key: string) => inner.delete(key),
    list: (...args: Parameters<KVNamespace['list']>) => inner.list(...args),
  } as unknown as KVNamespace;
  return { kv, calls };
}

let clerk: ClerkMock | undefined;
afterEach(() => {
  clerk?.restore();
  clerk = undefined;
  vi.restoreAllMocks();
});

describe('hot path: a warm isolate answers a repeated /v1/me from memory', () => {
  it(
    'first request reads D1 (and creates the tenant just in time); the ' + 'repeat does zero D1, KV and RSA work',
    async () => {
      // JWKS mode, so a KV read would be possible: keys come from Clerk (mocked) through KV.
      const apiUrl = 'https://api.hot-path.clerk.test';
      clerk = mockClerk({ '/v1/jwks': () => json({ keys: [testPublicJwk()] }) }, apiUrl);
      const d1 = countingD1(env.DB);
      const kv = countingKv(env.JWKS_CACHE);
      const bindings = { ...env, CLERK_JWT_KEY: undefined, CLERK_API_URL: apiUrl, DB: d1.db, JWKS_CACHE: kv.kv };
      const app = createApp(); // the real loader with the isolate's tenant cache
      const userId = uid('user');
      const token = await mintSessionToken({ userId });
      const me = () => callApp(app, '/v1/me', { headers: bearer(token) }, bindings);
      const verify = vi.spyOn(crypto.subtle, 'verify');

      const first = await me();
      expect(first.status).toBe(200);
      expect(d1.total()).toBeGreaterThan(0);
      expect(d1.calls.withSession).toEqual(['first-unconstrained']);
      expect(first.headers.get('x-d1-bookmark')).not.toBeNull();
      expect(verify).toHaveBeenCalledTimes(1); // the spy sees the RSA check when there is one
      expect(kv.calls.get).toBeGreaterThan(0);
      const body = await first.json();

      d1.reset();
      kv.calls.get = 0;
      verify.mockClear();
      const fetches = clerk.calls.length;
      for (let i = 0; i < 5; i++) {
        const again = await me();
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual(body);
        // No session was used, so there is no bookmark to hand back.
        expect(again.headers.get('x-d1-bookmark')).toBeNull();
      }
      expect(d1.total()).toBe(0);
      expect(d1.calls).toMatchObject({
        prepare: 0,
        batch: 0,
        exec: 0,
        withSession: [],
        sessionPrepare: 0,
        sessionBatch: 0,
      });
      expect(kv.calls.get).toBe(0);
      expect(verify).not.toHaveBeenCalled();
      expect(clerk.calls.length).toBe(fetches);
    },
  );

  it('a new token for a cached tenant still does no D1 work (only the signature check)', async () => {
    const d1 = countingD1(env.DB);
    const bindings = { ...env, DB: d1.db };
    const app = createApp();
    const userId = uid('user');
    await seedTenant({ id: userId });
    expect(
      (await callApp(app, '/v1/me', { headers: bearer(await mintSessionToken({ userId, sessionId: 's1' })) }, bindings))
        .status,
    ).toBe(200);
    d1.reset();
    const res = await callApp(
      app,
      '/v1/tenant',
      { headers: bearer(await mintSessionToken({ userId, sessionId: 's2' })) },
      bindings,
    );
    expect(res.status).toBe(200);
    expect(d1.total()).toBe(0);
  });

  it('an organization whose webhook has not arrived is remembered as unknown (no query per request)', async () => {
    const d1 = countingD1(env.DB);
    const bindings = { ...env, DB: d1.db };
    const app = createApp();
    const userId = uid('user');
    const token = await mintSessionToken({ userId, org: { id: uid('org'), role: 'admin' } });
    expect((await callApp(app, '/v1/me', { headers: bearer(token) }, bindings)).status).toBe(200);
    d1.reset();
    expect((await callApp(app, '/v1/me', { headers: bearer(token) }, bindings)).status).toBe(200);
    expect(d1.total()).toBe(0);
  });

  it('with the cache disabled every request queries D1 (the "before" of the benchmark)', async () => {
    const d1 = countingD1(env.DB);
    const bindings = { ...env, DB: d1.db };
    const app = createApp({ loadTenant: createLoadTenant({ cache: new TenantCache(0), now: Date.now }) });
    const userId = uid('user');
    await seedTenant({ id: userId });
    const token = await mintSessionToken({ userId });
    await callApp(app, '/v1/me', { headers: bearer(token) }, bindings);
    d1.reset();
    await callApp(app, '/v1/me', { headers: bearer(token) }, bindings);
    expect(d1.calls.withSession).toEqual(['first-unconstrained']);
    expect(d1.calls.sessionPrepare).toBeGreaterThan(0);
  });
});

describe('edge-local tenant state: an archive takes effect within the cache time', () => {
  /** The real app with a cache on an injected clock, as another isolate than the webhook's sees it. */
  function otherIsolate() {
    let t = 1_000_000;
    const app = createApp({ loadTenant: createLoadTenant({ cache: new TenantCache(30_000), now: () => t }) });
    const advance = (ms: number) => {
      t += ms;
    };
    return { app, advance };
  }

  it('archived by a webhook elsewhere: still served for up to 30 s, refused from then on', async () => {
    const { app, advance } = otherIsolate();
    const userId = uid('user');
    const token = await mintSessionToken({ userId });
    const get = (path: string, headers: Record<string, string> = {}) =>
      callApp(app, path, { headers: { ...bearer(token), ...headers } });
    expect((await get('/v1/tenant')).status).toBe(200); // created just in time, cached at t0
    expect((await deliver(clerkEvent('user.deleted', { id: userId, deleted: true }, Date.now()))).res.status).toBe(200);

    advance(29_999);
    expect((await get('/v1/tenant')).status).toBe(200); // within the documented window: stale
    // A client that sends a bookmark asked for fresh state: it bypasses the cache.
    await expectError(
      await get('/v1/tenant', { 'x-d1-bookmark': `00000000-00000000-00000000-${'0'.repeat(32)}` }),
      403,
      'tenant_archived',
    );
    advance(1);
    await expectError(await get('/v1/tenant'), 403, 'tenant_archived');
    await expectError(await get('/v1/audit/logins'), 403, 'tenant_archived');
  });

  it('a just-in-time tenant is cached for the ttl too, not forever: the late profile shows after it', async () => {
    const { app, advance } = otherIsolate();
    const userId = uid('user');
    const token = await mintSessionToken({ userId });
    const me = async () =>
      ((await (await callApp(app, '/v1/me', { headers: bearer(token) })).json()) as { tenant: { name: string | null } })
        .tenant;
    expect((await me()).name).toBeNull();
    await deliver(clerkEvent('user.created', { id: userId, first_name: 'Late', last_name: 'Hook' }, Date.now()));
    advance(10_000);
    expect((await me()).name).toBeNull();
    advance(20_000);
    expect((await me()).name).toBe('Late Hook');
  });

  it('the isolate that processes the webhook drops its entry at once', async () => {
    const app = createApp(); // one isolate: its webhook route invalidates its own tenant cache
    const userId = uid('user');
    const token = await mintSessionToken({ userId });
    expect((await callApp(app, '/v1/tenant', { headers: bearer(token) })).status).toBe(200);
    expect((await callApp(app, '/v1/tenant', { headers: bearer(token) })).status).toBe(200);
    await deliver(clerkEvent('user.deleted', { id: userId, deleted: true }, Date.now()), { app });
    await expectError(await callApp(app, '/v1/tenant', { headers: bearer(token) }), 403, 'tenant_archived');
  });
});
