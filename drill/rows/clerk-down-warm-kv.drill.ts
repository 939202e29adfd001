// Runbook: "Clerk API down, keys cached".
import { expect } from 'vitest';
import { check, count, drillRow, pool, QUICK } from '../support/drill.ts';

const N = QUICK ? 100 : 500;

drillRow('clerk-down-warm-kv', ({ clerk, service }) => {
  const statuses = (n: number) =>
    pool(
      Array.from({ length: n }, () => clerk.mint()),
      10,
      async (t) => (await service.get('/v1/me', t)).status,
    );

  check('warm-up', 'valid token 200 while Clerk is up', async (observe) => {
    await service.boot({ fresh: true });
    const warm = await service.get('/v1/me', clerk.mint());
    observe(`status ${warm.status}`);
    expect(warm.status).toBe(200);
  });

  check('clerk down, same isolate', `${N}/${N} valid tokens 200`, async (observe) => {
    await clerk.setMode('down');
    const ok = count(await statuses(N), (s) => s === 200);
    observe(`${ok}/${N} 200`);
    expect(ok).toBe(N);
  });

  check('clerk down, after restart', `${N}/${N} valid tokens 200 (keys from KV)`, async (observe) => {
    await service.boot(); // restart wrangler dev: new isolates, same KV
    const ok = count(await statuses(N), (s) => s === 200);
    observe(`${ok}/${N} 200`);
    expect(ok).toBe(N);
  });

  check('unknown kid, Clerk down', '401 (not 503: keys are cached)', async (observe) => {
    const probe = await service.get('/v1/me', clerk.unknownKidToken()); // forces one refresh attempt; Clerk is down
    observe(`status ${probe.status} ${probe.body?.error?.code}`);
    expect(probe.status).toBe(401);
  });

  check('clerk down, readiness', 'ready says degraded, keys.servingStale', async (observe) => {
    const ready = await service.get('/health/ready');
    const keys = ready.body?.checks?.keys ?? {};
    observe(`status ${ready.body?.status}, keys ${JSON.stringify(keys)}`);
    expect(ready.body?.status).toBe('degraded');
    expect(keys.servingStale).toBe(true);
  });
});
