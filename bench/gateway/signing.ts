// The assertion alone: the gateway's own `assertionClaims` + `signAssertion` looped SIGN_N× in workerd (the
// `signer` variant); signing = the loop that signs minus the loop that only builds and serialises the claims.
// And the RS256 check of a session token's signature (the verifier's `verifyRs256`, key imported once): the
// verification every fresh token costs, ours and stock alike. Wall time of a CPU-bound loop in one isolate, so it
// is CPU time too.
import type { Miniflare } from 'miniflare';
import { median, rotate } from '../support/stats.ts';
import { workerOf } from '../support/workerd.ts';
import { ROUNDS, SIGN_N } from './setup.ts';

/**
 * µs per assertion: claims built and signed, minus claims built and serialised only; EdDSA and ES256 alternating.
 * And µs per RS256 check of one session token's signature (`token`): the loop minus an empty one.
 */
export async function signBench(mf: Miniflare, token: string) {
  const signer = await workerOf(mf, 'signer');
  const call = async (alg: string, sign: boolean, n = SIGN_N, verify?: string) => {
    const t0 = performance.now();
    const body = JSON.stringify({ alg, n, sign, verify });
    const res = await signer.fetch('https://edge.bench/sign', { method: 'POST', body });
    if (res.status !== 200) throw new Error(`signer: ${res.status} ${await res.text()}`);
    await res.json();
    return performance.now() - t0;
  };
  for (const alg of ['EdDSA', 'ES256']) {
    await call(alg, true);
    await call(alg, false);
  }
  const out: Record<string, number[]> = { EdDSA: [], ES256: [] };
  const claims: number[] = [];
  const verification: number[] = [];
  await call('RS256', false, SIGN_N, token);
  for (let round = 0; round < ROUNDS; round++) {
    const checked = await call('RS256', false, SIGN_N, token);
    verification.push(((checked - (await call('RS256', false, 0, token))) / SIGN_N) * 1000);
    for (const alg of rotate(['EdDSA', 'ES256'], round)) {
      const signed = await call(alg, true);
      const unsigned = await call(alg, false);
      out[alg]?.push(((signed - unsigned) / SIGN_N) * 1000);
      // The claims alone (their jti included): the unsigned loop minus an empty one.
      if (alg === 'EdDSA') claims.push(((unsigned - (await call(alg, false, 0))) / SIGN_N) * 1000);
    }
  }
  const [EdDSA, ES256] = [median(out.EdDSA ?? []), median(out.ES256 ?? [])];
  return { EdDSA, ES256, claims: median(claims), verification: median(verification) };
}
