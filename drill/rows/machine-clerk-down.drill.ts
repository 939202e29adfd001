// Runbook: "Clerk API down, machine tokens": JWT forms verify locally, cached opaque tokens until their
// cache entry expires, uncached opaque tokens 503.
import { expect } from 'vitest';
import { check, count, drillRow, pool } from '../support/drill.ts';

const N = 20;
/** The expiring key's lifetime: its cache entry lives min(60 s, expiration), so it ends first. */
const EXPIRING_MS = 8000;

drillRow('machine-clerk-down', ({ clerk, service }) => {
  let cached = '';
  let uncached = '';
  let expiring = '';
  let expiration = 0;
  let logStart = 0;

  check('warm-up', 'Clerk up: session, M2M JWT, OAuth JWT and two API keys 200 (the keys cached)', async (observe) => {
    await service.boot({ fresh: true });
    cached = clerk.issueMachineToken('api_key', { subject: 'user_mk_cached', scopes: ['read'] });
    uncached = clerk.issueMachineToken('api_key', { subject: 'user_mk_uncached' });
    const statuses = [
      (await service.get('/v1/me', clerk.mint())).status,
      (await service.get('/v1/me', clerk.mintMachineJwt('m2m'))).status,
      (await service.get('/v1/me', clerk.mintMachineJwt('oauth'))).status,
      (await service.get('/v1/me', cached)).status,
    ];
    expiration = Date.now() + EXPIRING_MS;
    expiring = clerk.issueMachineToken('api_key', { subject: 'user_mk_expiring', expiration });
    statuses.push((await service.get('/v1/me', expiring)).status);
    observe(`statuses ${statuses.join(',')}; ${clerk.calls.verify} Clerk verify calls`);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });

  check(
    'JWT machine tokens',
    `Clerk down: ${N}/${N} M2M JWTs and ${N}/${N} OAuth JWTs 200 (local keys)`,
    async (observe) => {
      await clerk.setMode('down');
      logStart = service.logs.length;
      const tokens = Array.from({ length: 2 * N }, (_, i) => clerk.mintMachineJwt(i % 2 ? 'oauth' : 'm2m'));
      const replies = await pool(tokens, 5, (t) => service.get('/v1/me', t));
      const m2m = count(replies, (r) => r.status === 200 && r.body?.tokenType === 'm2m_token');
      const oauth = count(replies, (r) => r.status === 200 && r.body?.tokenType === 'oauth_token');
      observe(`M2M ${m2m}/${N}, OAuth ${oauth}/${N}`);
      expect([m2m, oauth]).toEqual([N, N]);
    },
  );

  check('cached opaque', `Clerk down: the cached API key ${N}/${N} 200`, async (observe) => {
    const replies = await pool(Array.from({ length: N }), 5, () => service.get('/v1/me', cached));
    const ok = count(replies, (r) => r.status === 200 && r.body?.tokenType === 'api_key');
    observe(`${ok}/${N} 200`);
    expect(ok).toBe(N);
  });

  check(
    'uncached opaque',
    '503 auth_unavailable + Retry-After; readiness machineTokens.lastVerifyError clerk_unreachable',
    async (observe) => {
      const res = await service.get('/v1/me', uncached);
      const ready = await service.get('/health/ready');
      const machine = ready.body?.checks?.machineTokens ?? {};
      const failed = service.logs.slice(logStart).filter((l) => l.includes('"event":"auth.machine.verify_failed"'));
      observe(
        `status ${res.status} ${res.body?.error?.code} retry-after=${res.headers.get('retry-after')}; ` +
          `ready ${ready.status} ${ready.body?.status}, machineTokens ${JSON.stringify(machine)}; ` +
          `${failed.length} verify_failed line(s)`,
      );
      expect(res.status).toBe(503);
      expect(res.body?.error?.code).toBe('auth_unavailable');
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(machine.status).toBe('degraded');
      expect(machine.lastVerifyError).toBe('clerk_unreachable');
      expect(failed.length).toBe(1);
    },
  );

  check(
    'cache entries end',
    "service clock past the expiring key's expiration: it 503s, the other 200; 60 s after its verification: 503",
    async (observe) => {
      const both = async () => [
        (await service.get('/v1/me', expiring)).status,
        (await service.get('/v1/me', cached)).status,
      ];
      const before = await both();
      // The service's clock moved (test clock), not waited for: past `expiration`, then past 60 s.
      await service.advanceClock(Math.max(1, expiration - Date.now() + 1000));
      const pastExpiration = await both();
      await service.advanceClock(60_000);
      const past60s = await service.get('/v1/me', cached);
      observe(
        `expiring, cached: ${before.join(',')}; past its expiration ${pastExpiration.join(',')}; ` +
          `60 s on, cached ${past60s.status} ${past60s.body?.error?.code}`,
      );
      expect(before).toEqual([200, 200]);
      expect(pastExpiration).toEqual([503, 200]);
      expect(past60s.status).toBe(503);
      expect(past60s.body?.error?.code).toBe('auth_unavailable');
    },
  );

  check('Clerk back', 'the uncached key 200 without a restart; readiness lastVerifyError null', async (observe) => {
    await clerk.setMode('up');
    const res = await service.get('/v1/me', uncached);
    const machine = (await service.get('/health/ready')).body?.checks?.machineTokens ?? {};
    observe(`status ${res.status}; machineTokens ${JSON.stringify(machine)}`);
    expect(res.status).toBe(200);
    expect(machine.lastVerifyError).toBeNull();
  });
});
