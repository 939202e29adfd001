// Runbook: "Random machine-token flood" (an attacker spending Clerk's Backend API budget with random keys).
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
});
