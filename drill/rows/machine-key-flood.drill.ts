// Runbook: "Random machine-token flood" (an attacker spending Clerk's Backend API budget with random keys, from one
// address, from many addresses of one IPv6 /64, and from many IPv4 addresses).
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { check, count, drillRow, pool, QUICK } from '../support/drill.ts';

const N = QUICK ? 300 : 1000;
const ATTACKER = '203.0.113.7';
// MACHINE_VERIFY_LIMITER in wrangler.toml: 20 Backend API verifications per 10 s per client IP. The
// simulator's windows are aligned to the clock (epoch / period), so a flood spanning k windows may
// spend k × 20: that is the budget counted against.
const LIMIT = 20;
const PERIOD_MS = 10_000;
// MACHINE_VERIFY_GLOBAL_LIMITER in wrangler.toml's local block: 50 per 10 s from all clients together (one key;
// half of a Clerk Development instance's 100; production's is 500). The flood stays under 60 s so the cached key's
// entry (60 s) outlives it.
const GLOBAL_LIMIT = 50;
const SPREAD_N = QUICK ? 300 : 600;
const windowsOf = (start: number, end: number) => Math.floor(end / PERIOD_MS) - Math.floor(start / PERIOD_MS) + 1;
/** `n` distinct IPv4 addresses, as `cf-connecting-ip` (the header the edge takes the client address from). */
const ipv4s = (n: number) =>
  Array.from({ length: n }, (_, i) => `100.${64 + Math.floor(i / 65_536)}.${(i >> 8) & 255}.${i & 255}`);
/** `n` addresses of one IPv6 /64 (a VPS's allocation). */
const ipv6sOfOne64 = (n: number) =>
  Array.from({ length: n }, () => `2001:db8:77:1:${randomBytes(8).toString('hex').match(/.{4}/g)?.join(':')}`);
const randomKey = () => `ak_${randomBytes(16).toString('hex')}`;

drillRow('machine-key-flood', ({ clerk, service }) => {
  check(
    'random keys, one IP',
    `${N} random ak_ keys: Clerk calls ≤ the limiter's budget (20 per 10 s window), the rest 429 + Retry-After`,
    async (observe) => {
      await service.boot({ fresh: true });
      await service.get('/v1/me', clerk.mint()); // warm (keys), so the flood measures only the machine path
      const keys = Array.from({ length: N }, () => `ak_${randomBytes(16).toString('hex')}`);
      const before = clerk.calls.verify;
      const started = Date.now();
      const replies = await pool(keys, 16, (k) => service.get('/v1/me', k, { 'cf-connecting-ip': ATTACKER }));
      const ended = Date.now();
      const calls = clerk.calls.verify - before;
      const windows = Math.floor(ended / PERIOD_MS) - Math.floor(started / PERIOD_MS) + 1;
      const limited = replies.filter((r) => r.status === 429);
      const wellFormed = count(
        limited,
        (r) => r.body?.error?.code === 'rate_limited' && Number(r.headers.get('retry-after')) > 0,
      );
      const refused = count(replies, (r) => r.status === 401);
      observe(
        `${calls} Clerk calls (budget ${LIMIT * windows}: ${windows} window(s), ${ended - started} ms); ` +
          `${refused} × 401, ${limited.length} × 429 (${wellFormed} with rate_limited + Retry-After), ` +
          `retry-after ${[...new Set(limited.map((r) => r.headers.get('retry-after')))].join(',')}`,
      );
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(LIMIT * windows);
      expect(refused + limited.length).toBe(N);
      expect(wellFormed).toBe(limited.length);
      expect(limited.length).toBeGreaterThanOrEqual(N - LIMIT * windows);
    },
  );

  check('another client', 'a valid API key from another IP: 200 (its own budget)', async (observe) => {
    const key = clerk.issueMachineToken('api_key', { subject: 'user_flood_bystander' });
    const before = clerk.calls.verify;
    const res = await service.get('/v1/me', key, { 'cf-connecting-ip': '203.0.113.8' });
    observe(`status ${res.status}, ${clerk.calls.verify - before} Clerk call`);
    expect(res.status).toBe(200);
    expect(clerk.calls.verify - before).toBe(1);
  });

  check(
    'random keys, one IPv6 /64',
    `${N} random ak_ keys, each from another address of one IPv6 /64: one client's budget (20 per 10 s window)`,
    async (observe) => {
      const before = clerk.calls.verify;
      const started = Date.now();
      const replies = await pool(ipv6sOfOne64(N), 16, (ip) =>
        service.get('/v1/me', randomKey(), { 'cf-connecting-ip': ip }),
      );
      const ended = Date.now();
      const calls = clerk.calls.verify - before;
      const windows = windowsOf(started, ended);
      const limited = count(replies, (r) => r.status === 429 && Number(r.headers.get('retry-after')) > 0);
      observe(
        `${calls} Clerk calls from ${N} addresses of one /64 (budget ${LIMIT * windows}: ${windows} window(s), ` +
          `${ended - started} ms); ${count(replies, (r) => r.status === 401)} × 401, ${limited} × 429`,
      );
      expect(calls).toBeLessThanOrEqual(LIMIT * windows);
      expect(limited).toBeGreaterThanOrEqual(N - LIMIT * windows);
    },
  );

  check(
    'random keys, many IPv4 addresses',
    `${SPREAD_N} random ak_ keys from ${SPREAD_N} IPv4 addresses: Clerk calls ≤ the global budget (${GLOBAL_LIMIT} per 10 s ` +
      'window), the rest 503 auth_unavailable + Retry-After (or 429 past the global failure budget); a cached key ' +
      'still 200 with no call; readiness says the budget is spent',
    async (observe) => {
      const good = clerk.issueMachineToken('api_key', { subject: 'user_flood_cached' });
      expect((await service.get('/v1/me', good, { 'cf-connecting-ip': '192.0.2.10' })).status).toBe(200);
      const before = clerk.calls.verify;
      const started = Date.now();
      const replies = await pool(ipv4s(SPREAD_N), 32, (ip) =>
        service.get('/v1/me', randomKey(), { 'cf-connecting-ip': ip }),
      );
      const ended = Date.now();
      const calls = clerk.calls.verify - before;
      const windows = windowsOf(started, ended);
      const unavailable = count(
        replies,
        (r) => r.status === 503 && r.body?.error?.code === 'auth_unavailable' && r.headers.get('retry-after') === '10',
      );
      const refused = count(replies, (r) => r.status === 401);
      const limited = count(replies, (r) => r.status === 429 && r.body?.error?.code === 'rate_limited');
      const cached = await service.get('/v1/me', good, { 'cf-connecting-ip': '192.0.2.11' });
      const ready = await service.get('/health/ready');
      const spent = ready.body?.checks?.limits?.spent ?? [];
      observe(
        `${calls} Clerk calls from ${SPREAD_N} addresses (global budget ${GLOBAL_LIMIT * windows}: ${windows} ` +
          `window(s), ${ended - started} ms); ${refused} × 401, ${unavailable} × 503 auth_unavailable, ` +
          `${limited} × 429; cached key: ${cached.status} with ${clerk.calls.verify - before - calls} call(s); ` +
          `readiness limits: ${ready.body?.checks?.limits?.status} spent=${JSON.stringify(spent)}`,
      );
      expect(calls).toBeLessThanOrEqual(GLOBAL_LIMIT * windows);
      expect(refused + unavailable + limited).toBe(SPREAD_N);
      expect(unavailable).toBeGreaterThanOrEqual(SPREAD_N - GLOBAL_LIMIT * windows);
      expect(cached.status).toBe(200);
      expect(clerk.calls.verify - before).toBe(calls);
      expect(spent).toContain('MACHINE_VERIFY_GLOBAL_LIMITER');
    },
  );
});
