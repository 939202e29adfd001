// Runbook: "Clerk API slow or answering garbage", nothing cached.
import { expect } from 'vitest';
import { check, drillRow } from '../support/drill.ts';
import type { ClerkMode } from '../support/fake-clerk.ts';

const CASES: [ClerkMode, string][] = [
  ['slow', 'clerk_unreachable'],
  ['garbage', 'bad_response'],
  ['error', 'clerk_unreachable'],
];

drillRow('clerk-slow-garbage', ({ clerk, service }) => {
  for (const [mode, kind] of CASES) {
    const slow = mode === 'slow' ? ' (the service gives up before Clerk answers, 8 s)' : '';
    check(`Clerk ${mode}, cold`, `503 auth_unavailable${slow}; ready names ${kind}`, async (observe) => {
      await clerk.setMode(mode);
      await service.boot({ fresh: true });
      const started = Date.now();
      const res = await service.get('/v1/me', clerk.mint());
      const ms = Date.now() - started;
      const clerkStillSilent = clerk.slowPending > 0;
      const keys = (await service.get('/health/ready')).body?.checks?.keys ?? {};
      observe(
        `status ${res.status} in ${ms} ms; keys.status ${keys.status}, lastRefreshError ${keys.lastRefreshError}`,
      );
      expect(res.status).toBe(503);
      expect(res.body?.error?.code).toBe('auth_unavailable');
      expect(keys.lastRefreshError).toBe(kind);
      // Causal, not a wall-clock threshold: the service answered while Clerk's reply was still held back.
      if (mode === 'slow') expect(clerkStillSilent).toBe(true);
    });
  }
});
