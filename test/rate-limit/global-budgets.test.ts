import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { LIMITERS } from '../../src/rate-limit/limiters';
import { type ClerkMock, mockClerk } from '../helpers/clerk-mock';
import { callApp, expectError } from '../helpers/http';
import { fakeMachineApi, randomOpaque, verifiedBody } from '../helpers/machine-tokens';
import { bearer, mintSessionToken } from '../helpers/tokens';

/**
 * Per-client keys aggregate an IPv6 /64, and the global budgets (one key for every client) bound what many
 * addresses together can spend. The per-client tests use the real bindings of wrangler.toml; the global ones
 * a counting stand-in with a small limit (the real one's 500 per 10 s would need 500+ requests per test).
 */
const app = createApp();
let clerk: ClerkMock | undefined;
afterEach(() => clerk?.restore());

const windows = (startMs: number, endMs: number, periodSeconds: number) =>
  Math.floor(endMs / (periodSeconds * 1000)) - Math.floor(startMs / (periodSeconds * 1000)) + 1;
const hex = () => crypto.getRandomValues(new Uint16Array(1))[0]!.toString(16);
/** A fresh /64 (2001:db8::/32, RFC 3849) and `n` addresses in it. */
function addressesOfOne64(n: number): string[] {
  const prefix = `2001:db8:${hex()}:${hex()}`;
  return Array.from({ length: n }, () => `${prefix}:${hex()}:${hex()}:${hex()}:${hex()}`);
}
/** `n` distinct IPv4 addresses (198.51.100.0/24 and neighbours, never the suite's 198.18.0.0/15). */
const manyIpv4 = (n: number) => {
  const base = crypto.getRandomValues(new Uint8Array(1))[0]!;
  return Array.from({ length: n }, (_, i) => `100.${64 + ((base + Math.floor(i / 250)) % 64)}.${i % 250}.${base}`);
};
/** A stand-in limiter binding for a global budget: `limit` successes, then refusals; counts keys. */
function budget(limit: number) {
  const keys: string[] = [];
  return {
    keys,
    binding: { limit: async ({ key }: { key: string }) => ({ success: keys.push(key) <= limit }) },
  };
}

describe('per-client keys: an IPv6 /64 is one client', () => {
  it('60 random ak_ keys from 60 addresses of one /64: Clerk calls stay within MACHINE_VERIFY_LIMITER', async () => {
    const api = fakeMachineApi(new Map());
    clerk = mockClerk(api.routes);
    const start = Date.now();
    const statuses: number[] = [];
    for (const from of addressesOfOne64(60))
      statuses.push(
        (await callApp(app, '/v1/me', { headers: { ...bearer(randomOpaque('ak_')), 'cf-connecting-ip': from } }))
          .status,
      );
    const { limit, periodSeconds } = LIMITERS.MACHINE_VERIFY_LIMITER;
    expect(api.total()).toBeLessThanOrEqual(limit * windows(start, Date.now(), periodSeconds));
    expect(statuses.filter((s) => s === 429).length).toBe(60 - api.total());
  }, 60_000);

  it('150 bad JWTs from 150 addresses of one /64: 429 past AUTH_FAILURE_LIMITER', async () => {
    clerk = mockClerk({});
    const garbage = 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    const start = Date.now();
    const statuses: number[] = [];
    for (const from of addressesOfOne64(150))
      statuses.push(
        (await callApp(app, '/v1/me', { headers: { authorization: garbage, 'cf-connecting-ip': from } })).status,
      );
    const { limit, periodSeconds } = LIMITERS.AUTH_FAILURE_LIMITER;
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(
      limit * windows(start, Date.now(), periodSeconds),
    );
    expect(statuses).toContain(429);
  }, 60_000);
});

describe('MACHINE_VERIFY_GLOBAL_LIMITER: Backend API verifications of all clients together', () => {
  it('random keys from 100 IPv4 addresses: Clerk calls stop at the budget, the rest 503 + Retry-After; a cached ' +
    'key and a session keep working; readiness says it is spent', async () => {
    const good = randomOpaque('ak_');
    const api = fakeMachineApi(
      new Map([[good, { status: 200, body: verifiedBody('api_key', { subject: 'user_g' }) }]]),
    );
    clerk = mockClerk(api.routes);
    const global = budget(31);
    const bindings = { ...env, MACHINE_VERIFY_GLOBAL_LIMITER: global.binding } as typeof env;
    const get = (token: string, from: string) =>
      callApp(app, '/v1/me', { headers: { ...bearer(token), 'cf-connecting-ip': from } }, bindings);
    expect((await get(good, '192.0.2.1')).status).toBe(200); // verified once, now cached
    const replies = [];
    for (const from of manyIpv4(100)) replies.push(await get(randomOpaque('ak_'), from));
    expect(api.total()).toBe(31);
    expect(global.keys.every((k) => k === 'global')).toBe(true);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused).toHaveLength(70);
    for (const r of refused) expect(r.headers.get('retry-after')).toBe('10');
    await expectError(refused[0]!, 503, 'auth_unavailable');
    expect((await get(good, '192.0.2.2')).status).toBe(200);
    expect((await get(await mintSessionToken(), '192.0.2.3')).status).toBe(200);
    expect(api.total()).toBe(31);
    const ready = (await (await callApp(app, '/health/ready', {}, bindings)).json()) as {
      checks: { limits: { status: string; spent: string[] } };
    };
    expect(ready.checks.limits).toMatchObject({ status: 'degraded', spent: ['MACHINE_VERIFY_GLOBAL_LIMITER'] });
  }, 60_000);
});

describe('AUTH_FAILURE_GLOBAL_LIMITER: refused credentials of all clients together', () => {
  it('bad JWTs from 40 IPv4 addresses: 401 up to the budget, then 429; a good token still passes', async () => {
    clerk = mockClerk({});
    const global = budget(10);
    const bindings = { ...env, AUTH_FAILURE_GLOBAL_LIMITER: global.binding } as typeof env;
    const statuses: number[] = [];
    for (const from of manyIpv4(40)) {
      const headers = { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'cf-connecting-ip': from };
      statuses.push((await callApp(app, '/v1/me', { headers }, bindings)).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const ok = await callApp(app, '/v1/me', { headers: bearer(await mintSessionToken()) }, bindings);
    expect(ok.status).toBe(200);
  });
});
