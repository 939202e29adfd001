// Runbook: "Clerk API down, nothing cached".
import { expect } from 'vitest';
import { check, drillRow } from '../support/drill.ts';

drillRow('clerk-down-cold', ({ clerk, service }) => {
  check('cold cache, Clerk down', '503 auth_unavailable + Retry-After', async (observe) => {
    await clerk.setMode('down');
    await service.boot({ fresh: true });
    const res = await service.get('/v1/me', clerk.mint());
    const retryAfter = res.headers.get('retry-after');
    observe(`status ${res.status} ${res.body?.error?.code} retry-after=${retryAfter}`);
    expect(res.status).toBe(503);
    expect(res.body?.error?.code).toBe('auth_unavailable');
    expect(retryAfter).toBeTruthy();
  });

  check(
    'Clerk back',
    'recovers without restart: 503 within the 30 s refresh cooldown, 200 after it',
    async (observe) => {
      await clerk.setMode('up');
      // The service retries Clerk at most once per 30 s: still refused inside the cooldown, then (its clock
      // moved past the cooldown by the test clock, not waited for) the next request refreshes and passes.
      const within = (await service.get('/v1/me', clerk.mint())).status;
      await service.advanceClock(30_000);
      const after = (await service.get('/v1/me', clerk.mint())).status;
      observe(`inside the cooldown ${within}, after it ${after}`);
      expect([within, after]).toEqual([503, 200]);
    },
  );
});
