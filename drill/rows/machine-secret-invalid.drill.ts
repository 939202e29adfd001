// Runbook: "Invalid API key, machine tokens" (Clerk answers 401 to /…/verify: the secret key was revoked).
import { expect } from 'vitest';
import { check, drillRow } from '../support/drill.ts';

drillRow('machine-secret-invalid', ({ clerk, service }) => {
  let cached = '';
  let uncached = '';
  let logStart = 0;
  const lines = (event: string) => service.logs.slice(logStart).filter((l) => l.includes(`"event":"${event}"`));

  check(
    'uncached opaque refused',
    '503 auth_unavailable + Retry-After (not 401: the caller is not at fault); ready names secret_key_invalid',
    async (observe) => {
      await service.boot({ fresh: true });
      cached = clerk.issueMachineToken('api_key', { subject: 'user_si_cached' });
      uncached = clerk.issueMachineToken('api_key', { subject: 'user_si_uncached' });
      const warm = [(await service.get('/v1/me', clerk.mint())).status, (await service.get('/v1/me', cached)).status];
      await clerk.setMode('unauthorized');
      logStart = service.logs.length;
      const res = await service.get('/v1/me', uncached);
      const ready = await service.get('/health/ready');
      const machine = ready.body?.checks?.machineTokens ?? {};
      observe(
        `warm ${warm.join(',')}; status ${res.status} ${res.body?.error?.code} ` +
          `retry-after=${res.headers.get('retry-after')}; ` +
          `ready ${ready.status} ${ready.body?.status}, machineTokens ${JSON.stringify(machine)}`,
      );
      expect(warm).toEqual([200, 200]);
      expect(res.status).toBe(503);
      expect(res.body?.error?.code).toBe('auth_unavailable');
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(ready.status).toBe(200);
      expect(machine.status).toBe('degraded');
      expect(machine.lastVerifyError).toBe('secret_key_invalid');
    },
  );

  check(
    'never cached, logged once',
    '5 more tries: 5 Clerk calls, 5 × 503; 1 auth.machine.verify_failed line',
    async (observe) => {
      const before = clerk.calls.verify;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await service.get('/v1/me', uncached)).status);
      const failed = lines('auth.machine.verify_failed');
      const named = failed.filter((l) => l.includes('"kind":"secret_key_invalid"') && l.includes('"status":401'));
      observe(
        `${clerk.calls.verify - before} calls, statuses ${statuses.join(',')}; ${failed.length} verify_failed line(s)`,
      );
      expect(clerk.calls.verify - before).toBe(5);
      expect(statuses).toEqual([503, 503, 503, 503, 503]);
      expect([failed.length, named.length]).toEqual([1, 1]);
    },
  );

  check('local and cached still verify', 'cached API key, M2M JWT, OAuth JWT, session: 200', async (observe) => {
    const statuses = [
      (await service.get('/v1/me', cached)).status,
      (await service.get('/v1/me', clerk.mintMachineJwt('m2m'))).status,
      (await service.get('/v1/me', clerk.mintMachineJwt('oauth'))).status,
      (await service.get('/v1/me', clerk.mint())).status,
    ];
    observe(`statuses ${statuses.join(',')}`);
    expect(statuses).toEqual([200, 200, 200, 200]);
  });

  check(
    'key fixed',
    'Clerk accepts the key again: 200 without a restart; auth.machine.verify_recovered',
    async (observe) => {
      await clerk.setMode('up');
      const res = await service.get('/v1/me', uncached);
      const machine = (await service.get('/health/ready')).body?.checks?.machineTokens ?? {};
      const recovered = lines('auth.machine.verify_recovered');
      observe(`status ${res.status}; machineTokens ${JSON.stringify(machine)}; ${recovered.length} recovered line(s)`);
      expect(res.status).toBe(200);
      expect(machine.lastVerifyError).toBeNull();
      expect(recovered.length).toBe(1);
    },
  );
});
