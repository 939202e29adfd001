import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { LIMITERS } from '../../src/rate-limit/limiters';
import { RateLimits } from '../../src/rate-limit/rate-limits';
import { type ClerkMock, mockClerk } from '../helpers/clerk-mock';
import { call, callApp, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { fakeMachineApi, randomOpaque } from '../helpers/machine-tokens';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, postWebhook, svixHeaders } from '../helpers/webhooks';

/**
 * The real Workers Rate Limiting bindings of wrangler.toml, as the vitest plugin simulates them
 * (fixed windows aligned to the wall clock: a run that crosses a boundary gets a fresh budget,
 * so bounds are computed from the windows the run touched, never from elapsed time alone).
 */
const app = createApp();
let clerk: ClerkMock | undefined;
afterEach(() => clerk?.restore());

const ip = () => `203.0.113.${crypto.getRandomValues(new Uint8Array(1))[0]}-${crypto.randomUUID().slice(0, 6)}`;
const windows = (startMs: number, endMs: number, periodSeconds: number) =>
  Math.floor(endMs / (periodSeconds * 1000)) - Math.floor(startMs / (periodSeconds * 1000)) + 1;

describe('MACHINE_VERIFY_LIMITER: Backend API verifications per client IP', () => {
  it('1,000 random ak_/oat_/mt_ from one IP: Clerk calls stay within the budget, the rest 429 + Retry-After ' +
    'before any call', async () => {
    const api = fakeMachineApi(new Map());
    clerk = mockClerk(api.routes);
    const bindings = { ...env } as typeof env;
    const from = ip();
    const statuses: Record<number, number> = {};
    const start = Date.now();
    const prefixes = ['ak_', 'oat_', 'mt_'] as const;
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const res = await callApp(
            app,
            '/v1/me',
            { headers: { ...bearer(randomOpaque(prefixes[i % 3]!)), 'cf-connecting-ip': from } },
            bindings,
          );
          if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          return res.status;
        }),
      );
      for (const s of results) statuses[s] = (statuses[s] ?? 0) + 1;
    }
    const end = Date.now();
    const budget =
      LIMITERS.MACHINE_VERIFY_LIMITER.limit * windows(start, end, LIMITERS.MACHINE_VERIFY_LIMITER.periodSeconds);
    expect(api.total()).toBeLessThanOrEqual(budget);
    expect(api.total()).toBeGreaterThan(0);
    expect(Object.keys(statuses).sort()).toEqual(['401', '429']);
    expect(statuses[401]).toBe(api.total()); // each call was a 404; nothing else reached Clerk
    expect(statuses[429]).toBe(1000 - api.total());
    console.info(
      `flood: ${api.total()} Clerk calls for 1000 random keys (budget ${budget}), ${JSON.stringify(statuses)}`,
    );
  }, 120_000);

  it('another IP is not affected by the flood', async () => {
    const api = fakeMachineApi(new Map());
    clerk = mockClerk(api.routes);
    const flooder = ip();
    for (let i = 0; i < 40; i++)
      await call('/v1/me', { headers: { ...bearer(randomOpaque('ak_')), 'cf-connecting-ip': flooder } });
    await expectError(
      await call('/v1/me', { headers: { ...bearer(randomOpaque('ak_')), 'cf-connecting-ip': ip() } }),
      401,
      'invalid_token',
    );
  });
});

describe('AUTH_FAILURE_LIMITER: refused credentials per client IP', () => {
  it('past the limit the IP gets 429 before any verification, even with a valid token', async () => {
    clerk = mockClerk({});
    const from = ip();
    const garbage = { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'cf-connecting-ip': from };
    const start = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < LIMITERS.AUTH_FAILURE_LIMITER.limit + 20; i++)
      statuses.push((await call('/v1/me', { headers: garbage })).status);
    const n = windows(start, Date.now(), LIMITERS.AUTH_FAILURE_LIMITER.periodSeconds);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LIMITERS.AUTH_FAILURE_LIMITER.limit * n);
    if (n === 1) {
      expect(statuses.slice(0, LIMITERS.AUTH_FAILURE_LIMITER.limit).every((s) => s === 401)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      const valid = await call('/v1/me', {
        headers: { ...bearer(await mintSessionToken()), 'cf-connecting-ip': from },
      });
      await expectError(valid, 429, 'rate_limited');
      expect(Number(valid.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(valid.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    // Other clients are unaffected.
    expect((await call('/v1/me', { headers: bearer(await mintSessionToken()) })).status).toBe(200);
    expect(clerk.calls).toEqual([]);
  }, 60_000);

  it('a request without any credential is not counted', async () => {
    const from = ip();
    for (let i = 0; i < LIMITERS.AUTH_FAILURE_LIMITER.limit + 5; i++) {
      expect((await call('/v1/tenant', { headers: { 'cf-connecting-ip': from } })).status).toBe(401);
    }
  }, 60_000);

  it('failed webhook signatures: 400 until the limit, then 429 before any HMAC', async () => {
    const from = ip();
    const start = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < LIMITERS.AUTH_FAILURE_LIMITER.limit + 5; i++) {
      const body = JSON.stringify(clerkEvent('user.created', { id: 'user_x' }, Date.now()));
      const headers = svixHeaders(body, { secret: 'whsec_dGhpcy1pcy1ub3QtdGhlLXNlY3JldA==' });
      statuses.push((await postWebhook(body, { ...headers, 'cf-connecting-ip': from })).status);
    }
    if (windows(start, Date.now(), 60) === 1) {
      expect(statuses.slice(0, LIMITERS.AUTH_FAILURE_LIMITER.limit).every((s) => s === 400)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
    }
    // A correctly signed delivery from another IP still goes through.
    const good = JSON.stringify(clerkEvent('user.created', { id: uid('user'), object: 'user' }, Date.now()));
    expect((await postWebhook(good, svixHeaders(good))).status).toBe(200);
  }, 60_000);
});

describe('an absent limiter binding', () => {
  it('passes requests (fail open), and readiness reports it degraded', async () => {
    const bindings = { ...env, MACHINE_VERIFY_LIMITER: undefined } as unknown as typeof env;
    const res = await callApp(app, '/health/ready', {}, bindings);
    const body = (await res.json()) as { checks: { limits: { status: string; missing: string[] } } };
    expect(body.checks.limits).toEqual({ status: 'degraded', missing: ['MACHINE_VERIFY_LIMITER'], spent: [] });
    const ok = (await (await callApp(app, '/health/ready', {}, { ...env } as typeof env)).json()) as typeof body;
    expect(ok.checks.limits).toEqual({ status: 'ok', missing: [], spent: [] });
  });

  it('is logged once per isolate: again by a new RateLimits (a cold isolate), never per request', async () => {
    const lines: string[] = [];
    const deps = { now: () => 0, log: (_level: string, event: string) => void lines.push(event) };
    const bindings = { ...env, GATEWAY_LIMITER: undefined };
    const limits = new RateLimits(deps);
    expect(await limits.under(bindings, 'GATEWAY_LIMITER', 'a')).toBe(true);
    expect(await limits.under(bindings, 'GATEWAY_LIMITER', 'b')).toBe(true);
    expect(lines).toEqual(['ratelimit.binding_missing']);
    expect(await new RateLimits(deps).under(bindings, 'GATEWAY_LIMITER', 'a')).toBe(true);
    expect(lines).toEqual(['ratelimit.binding_missing', 'ratelimit.binding_missing']);
  });
});
