// Runbook: "Signing key rotated in Clerk".
import { expect } from 'vitest';
import { check, count, drillRow, pool } from '../support/drill.ts';

drillRow('key-rotation', ({ clerk, service }) => {
  let oldKid = '';
  let seenBefore = '';

  check('new kid', 'accepted after ≤ 1 refresh', async (observe) => {
    await service.boot({ fresh: true });
    oldKid = clerk.kids[0] ?? '';
    await service.get('/v1/me', clerk.mint()); // warm: keys fetched from Clerk into KV
    await service.boot(); // new isolate, same KV: keys warm, outside the warm-up's refresh cooldown
    await service.get('/v1/me', clerk.mint());
    const before = clerk.calls.jwks;
    const newKid = clerk.rotate({ keepOld: true });
    const statuses = await pool(
      Array.from({ length: 20 }, () => clerk.mint({ kid: newKid })),
      10,
      async (t) => (await service.get('/v1/me', t)).status,
    );
    const refreshes = clerk.calls.jwks - before;
    const ok = count(statuses, (s) => s === 200);
    observe(`${ok}/20 200, ${refreshes} Clerk fetch(es)`);
    expect(ok).toBe(20);
    expect(refreshes).toBeLessThanOrEqual(1);
  });

  check('old kid during overlap', 'still accepted while listed', async (observe) => {
    // A token verified (and remembered by the isolate's result cache) before its key is removed.
    seenBefore = clerk.mint({ kid: oldKid });
    const res = await service.get('/v1/me', seenBefore);
    observe(`status ${res.status}`);
    expect(res.status).toBe(200);
  });

  check('removed kid', 'rejected (401) after the refresh, also a token verified before', async (observe) => {
    clerk.removeKey(oldKid);
    // The next refresh (a newer kid, after the 30 s unknown-kid cooldown) drops the removed key. The
    // service's clock is moved past the cooldown (its test clock) rather than waited for.
    await service.advanceClock(31_000);
    const newest = await service.get('/v1/me', clerk.mint({ kid: clerk.rotate({ keepOld: true }) }));
    const removed = await service.get('/v1/me', clerk.mint({ kid: oldKid }));
    const removedSeen = await service.get('/v1/me', seenBefore);
    observe(`newest ${newest.status}, removed ${removed.status}, seen before ${removedSeen.status}`);
    expect([newest.status, removed.status, removedSeen.status]).toEqual([200, 401, 401]);
  });
});
