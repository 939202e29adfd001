// Runbook: "Gateway signing key rotated" (EDGE_SIGNING_KEY → EDGE_SIGNING_KEY_PREVIOUS, a new key).
// The origin side is `jose` against the edge's published JWKS (drill/support/gateway.ts), not our code.
import { expect } from 'vitest';
import { check, count, drillRow, pool } from '../support/drill.ts';
import { gatewayVars, originVerifier, signingKey, type Verified } from '../support/gateway.ts';

const N = 20;

drillRow('gateway-signing-rotation', ({ clerk, service, origin }) => {
  const oldKey = signingKey('ed25519');
  const newKey = signingKey('p256');
  const verifier = originVerifier(service, origin);
  // An assertion signed with the old key just before the switch (in flight while the new version deploys).
  let inFlight = { assertion: '', iat: 0 };

  /** N requests through the gateway; the origin verifies each assertion as it arrives. */
  async function round(tag: string) {
    const before = origin.hits.length;
    const tokens = Array.from({ length: N }, (_, i) => clerk.mint({ userId: `user_gw_rot_${i % 5}` }));
    const statuses = await pool(tokens, 5, async (t, i) => (await service.get(`/api/${tag}/${i}`, t)).status);
    const hits = origin.hits.slice(before);
    const results: Verified[] = [];
    for (const h of hits) results.push(await verifier.verify(h.assertion));
    const kids = [...new Set(results.map((r) => (r.ok ? `${r.kid} ${r.alg}` : r.error)))];
    const last = hits.at(-1)?.assertion ?? '';
    return { ok: count(statuses, (s) => s === 200), verified: count(results, (r) => r.ok), kids, last };
  }

  check('before', `${N}/${N} 200, assertions verify with the old key (EdDSA)`, async (observe) => {
    await service.boot({ fresh: true, vars: gatewayVars(origin, { key: oldKey.jwk }) });
    const r = await round('before');
    const claims = JSON.parse(Buffer.from(r.last.split('.')[1] ?? '', 'base64url').toString()) as { iat: number };
    inFlight = { assertion: r.last, iat: claims.iat };
    observe(`${r.ok}/${N} 200, ${r.verified} verified (${r.kids.join(', ')}); JWKS kids ${verifier.kids.join(', ')}`);
    expect([r.ok, r.verified]).toEqual([N, N]);
    expect(r.kids).toEqual([`${oldKey.kid} EdDSA`]);
  });

  check(
    'rotated, overlap',
    `new key current, old one PREVIOUS: ${N}/${N} 200 and verify (ES256) after 1 JWKS refetch; ` +
      'an old-key assertion still verifies',
    async (observe) => {
      await service.boot({ vars: gatewayVars(origin, { key: newKey.jwk, previous: oldKey.jwk }) });
      const fetchesBefore = verifier.fetches;
      const r = await round('overlap');
      const refetches = verifier.fetches - fetchesBefore;
      // Verified at the time it was issued: it would reach the origin within seconds; restarting wrangler
      // dev takes longer than that, and a deploy of the new version has no such gap.
      const old = await verifier.verify(inFlight.assertion, new Date(inFlight.iat * 1000));
      observe(
        `${r.ok}/${N} 200, ${r.verified} verified (${r.kids.join(', ')}), ${refetches} refetch; ` +
          `JWKS kids ${verifier.kids.join(', ')}; ` +
          `old-key assertion ${old.ok ? 'verifies' : old.error}`,
      );
      expect([r.ok, r.verified]).toEqual([N, N]);
      expect(r.kids).toEqual([`${newKey.kid} ES256`]);
      expect(refetches).toBe(1);
      expect(verifier.kids).toEqual([newKey.kid, oldKey.kid]);
      expect(old.ok).toBe(true);
    },
  );

  const ended = `PREVIOUS removed: ${N}/${N} 200 and verify; the old key no longer verifies`;
  check('overlap ended', ended, async (observe) => {
    await service.boot({ vars: gatewayVars(origin, { key: newKey.jwk }) });
    const jwks = (await service.get('/.well-known/fulcrum/jwks.json')).body as { keys: { kid: string }[] };
    const r = await round('after');
    // The origin's cached JWKS still lists the old key; an unknown-to-it kid is what makes it refetch,
    // so check the removal against the edge's current JWKS (a fresh verifier).
    const fresh = originVerifier(service, origin);
    const old = await fresh.verify(inFlight.assertion, new Date(inFlight.iat * 1000));
    observe(
      `JWKS kids ${jwks.keys.map((k) => k.kid).join(', ')}; ${r.ok}/${N} 200, ${r.verified} verified; ` +
        `old-key assertion ${old.ok ? 'verifies' : old.error}`,
    );
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKey.kid]);
    expect([r.ok, r.verified]).toEqual([N, N]);
    expect(old.ok).toBe(false);
  });
});
