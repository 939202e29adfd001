// Runbook: "Clerk API down, keys cached", seen through the gateway: it keeps forwarding.
import { expect } from 'vitest';
import { check, count, drillRow, pool, QUICK } from '../support/drill.ts';
import { gatewayVars, originVerifier, signingKey } from '../support/gateway.ts';

const N = QUICK ? 100 : 400;
// Ten callers, so no subject comes near GATEWAY_LIMITER (600 / 60 s per subject).
const USERS = 10;

drillRow('gateway-clerk-down', ({ clerk, service, origin }) => {
  const key = signingKey('ed25519').jwk;
  const vars = () => gatewayVars(origin, { key }); // once the origin listens (its port)
  const verifier = originVerifier(service, origin);

  /** N fresh tokens through the gateway: statuses, and how many reached the origin with a valid assertion. */
  async function through(n: number) {
    const before = origin.hits.length;
    const tokens = Array.from({ length: n }, (_, i) => clerk.mint({ userId: `user_gw_down_${i % USERS}` }));
    const statuses = await pool(tokens, 10, async (t, i) => (await service.get(`/api/items/${i}`, t)).status);
    const hits = origin.hits.slice(before);
    const verified = await pool(hits, 10, (h) => verifier.verify(h.assertion));
    return { ok: count(statuses, (s) => s === 200), reached: hits.length, verified: count(verified, (v) => v.ok) };
  }

  check('warm-up', 'one request forwarded while Clerk is up', async (observe) => {
    await service.boot({ fresh: true, vars: vars() });
    const res = await service.get('/api/warm', clerk.mint({ userId: 'user_gw_down_0' }));
    observe(`status ${res.status}`);
    expect(res.status).toBe(200);
  });

  const forwarded = `${N}/${N} forwarded: 200, each at the origin with a verifying assertion`;
  check('clerk down, same isolate', forwarded, async (observe) => {
    await clerk.setMode('down');
    const r = await through(N);
    observe(`${r.ok}/${N} 200, ${r.reached} reached the origin, ${r.verified} assertions verified`);
    expect([r.ok, r.reached, r.verified]).toEqual([N, N, N]);
  });

  check('clerk down, after restart', `${N}/${N} forwarded (keys from KV)`, async (observe) => {
    await service.boot({ vars: vars() }); // restart wrangler dev: new isolates, same KV
    const r = await through(N);
    observe(`${r.ok}/${N} 200, ${r.reached} reached the origin, ${r.verified} assertions verified`);
    expect([r.ok, r.reached, r.verified]).toEqual([N, N, N]);
  });

  check('refused never forwarded', 'an invalid token: 401 at the edge, 0 requests at the origin', async (observe) => {
    const before = origin.hits.length;
    const forged = `${clerk.mint({ userId: 'user_gw_down_0' }).slice(0, -6)}AAAAAA`;
    const res = await service.get('/api/items/forged', forged);
    observe(`status ${res.status} ${res.body?.error?.code}, origin saw ${origin.hits.length - before}`);
    expect(res.status).toBe(401);
    expect(origin.hits.length - before).toBe(0);
  });
});
