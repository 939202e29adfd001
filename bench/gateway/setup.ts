// The gateway bench's parameters and keys, shared by its parts (bench/gateway/*.ts).
import { generateKeyPairSync } from 'node:crypto';
import { benchTmp } from '../support/workerd.ts';

export const TMP = benchTmp('gateway');
export const AUDIENCE = 'https://api.fulcrum.bench';
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
export const N = Number(process.env.BENCH_N ?? 300);
export const SIGN_N = 2000;
export const MiB = 1024 * 1024;
export const MEMORY_REPEATS = Number(process.env.BENCH_MEMORY_REPEATS ?? 3);

/** EDGE_SIGNING_KEY values: a private JWK with `kid`, Ed25519 or P-256. */
function edgeKey(alg: 'EdDSA' | 'ES256') {
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `edge-bench-${alg.toLowerCase()}`;
  return {
    secret: JSON.stringify({ ...pair.privateKey.export({ format: 'jwk' }), kid }),
    publicJwk: pair.publicKey.export({ format: 'jwk' }),
  };
}
export const ED25519 = edgeKey('EdDSA');
export const P256 = edgeKey('ES256');
