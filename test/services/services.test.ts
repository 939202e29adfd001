import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createServices } from '../../src/services/services';
import { callApp, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, deliver } from '../helpers/webhooks';

/** A time well in the past: a token valid then is long expired by the wall clock. */
const T = Date.UTC(2026, 0, 15, 12);

describe('createServices: one composition root, one clock', () => {
  it(
    'the clock reaches the verifier and loadTenant: a token valid at services.now() passes, and the JIT tenant ' +
      'is stamped with it',
    async () => {
      const app = createApp({ services: createServices({ now: () => T }) });
      const userId = uid('user');
      const token = await mintSessionToken({ userId, iat: Math.floor(T / 1000) });
      const res = await callApp(app, '/v1/me', { headers: bearer(token) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { tenant: { createdAt: string; source: string } };
      expect(body.tenant).toMatchObject({ source: 'jit', createdAt: new Date(T).toISOString() });
      // The same token against the wall clock: expired.
      await expectError(await callApp(createApp(), '/v1/me', { headers: bearer(token) }), 401, 'invalid_token');
    },
  );

  it('the clock reaches the webhook route: the stored delivery is received at services.now()', async () => {
    const app = createApp({ services: createServices({ now: () => T }) });
    const { res, svixId } = await deliver(clerkEvent('user.created', { id: uid('user') }, Date.now()), { app });
    expect(res.status).toBe(200);
    const row = await env.DB.prepare('select received_at, processed_at from webhook_events where svix_id = ?')
      .bind(svixId)
      .first();
    expect(row).toEqual({ received_at: T, processed_at: T });
  });

  it('a new app is a cold isolate: its own tenant cache, verifiers and cursor keys', () => {
    const a = createServices();
    const b = createServices();
    expect(a.tenantCache).not.toBe(b.tenantCache);
    expect(a.verifiers).not.toBe(b.verifiers);
    expect(a.cursors).not.toBe(b.cursors);
    expect(a.webhookVerifiers).not.toBe(b.webhookVerifiers);
    expect(a.rateLimits).not.toBe(b.rateLimits);
    expect(a.gateway).not.toBe(b.gateway);
  });

  it("the auth-failure penalty is the services' own, and runs on services.now()", async () => {
    let now = T;
    const services = createServices({ now: () => now });
    const app = createApp({ services });
    // The limiter binding says "over" once, then "under": only the penalty box can refuse afterwards.
    let over = true;
    const limiter = { limit: async () => ({ success: !over }) };
    const bindings = { ...env, AUTH_FAILURE_LIMITER: limiter } as unknown as typeof env;
    const ip = { 'cf-connecting-ip': '192.0.2.77' };
    const garbage = { ...ip, authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' };
    await expectError(await callApp(app, '/v1/me', { headers: garbage }, bindings), 429, 'rate_limited');
    over = false;
    const valid = { ...ip, ...bearer(await mintSessionToken({ iat: Math.floor(T / 1000) })) };
    const refused = await callApp(app, '/v1/me', { headers: valid }, bindings);
    await expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toBe('60');
    // Another isolate has no penalty for that IP (the binding itself now says "under").
    const other = createApp({ services: createServices({ now: () => now }) });
    expect((await callApp(other, '/v1/me', { headers: valid }, bindings)).status).toBe(200);
    // On this isolate's clock the penalty ends with the limiter's period, not the wall clock's.
    now = T + 59_000;
    expect((await callApp(app, '/v1/me', { headers: valid }, bindings)).headers.get('retry-after')).toBe('1');
    now = T + 60_000;
    expect((await callApp(app, '/v1/me', { headers: valid }, bindings)).status).toBe(200);
  });
});
