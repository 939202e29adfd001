// Runbook: "Clerk API down, nothing cached".
import { expect } from 'vitest';
import { check, drillRow, sleep } from '../support/drill.ts';

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

  check('Clerk back', 'recovers without restart', async (observe) => {
    await clerk.setMode('up');
    const start = Date.now();
    let status = 0;
    // The service retries Clerk at most once per 30 s cooldown: bounded wait, 45 s.
    while (Date.now() - start < 45_000) {
      status = (await service.get('/v1/me', clerk.mint())).status;
      if (status === 200) break;
      await sleep(1000);
    }
    observe(`status ${status} after ${((Date.now() - start) / 1000).toFixed(1)} s`);
    expect(status).toBe(200);
  });
});
