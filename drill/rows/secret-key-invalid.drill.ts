// Runbook: "Invalid API key" (Clerk answers 401: the secret key was revoked).
import { expect } from 'vitest';
import { check, count, drillRow, pool } from '../support/drill.ts';

drillRow('secret-key-invalid', ({ clerk, service }) => {
  let logStart = 0;

  check('invalid key named', 'ready names secret_key_invalid', async (observe) => {
    await service.boot({ fresh: true });
    await service.get('/v1/me', clerk.mint()); // warm: keys fetched from Clerk into KV
    await service.boot(); // new isolate, same KV: keys warm, no refresh cooldown in memory
    await service.get('/v1/me', clerk.mint());
    await clerk.setMode('unauthorized');
    logStart = service.logs.length;
    // An unknown kid forces a refresh attempt; Clerk answers 401.
    const forged = (await service.get('/v1/me', clerk.unknownKidToken())).status;
    const ready = await service.get('/health/ready');
    observe(`unknown kid → ${forged}; keys ${JSON.stringify(ready.body?.checks?.keys ?? {})}`);
    expect(JSON.stringify(ready.body)).toContain('secret_key_invalid');
  });

  check('cached keys still verify', '50/50 valid tokens 200', async (observe) => {
    const statuses = await pool(
      Array.from({ length: 50 }, () => clerk.mint()),
      5,
      async (t) => (await service.get('/v1/me', t)).status,
    );
    const ok = count(statuses, (s) => s === 200);
    observe(`${ok}/50`);
    expect(ok).toBe(50);
  });

  check(
    'one log line per state change',
    'exactly 1 auth.keys.refresh_failed {kind: secret_key_invalid} over 91 requests',
    async (observe) => {
      await pool(Array.from({ length: 20 }), 5, () => service.get('/health/ready'));
      await pool(Array.from({ length: 20 }), 5, () => service.get('/v1/me', clerk.unknownKidToken()));
      const lines = service.logs
        .slice(logStart)
        .filter((l) => l.includes('"event":"auth.keys.refresh_failed"') && l.includes('secret_key_invalid'));
      observe(`${lines.length} line(s)`);
      expect(lines).toHaveLength(1);
    },
  );
});
