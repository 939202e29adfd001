// The benches' Clerk signing key and token minting: one RSA-2048 key pair per bench process, whose public half
// the variants get as CLERK_JWT_KEY (networkless verification) or from the fake Clerk's JWKS
// (drill/support/fake-clerk.ts, given BENCH_SIGNING_KEY).
import { generateKeyPairSync } from 'node:crypto';
import { signRs256 } from '../../scripts/lib/sign.ts';
import { BENCH_AZP } from './workerd.ts';

export const BENCH_KID = 'ins_bench';
const SESSION_TOKEN_CAT = 'cl_B7d4PD111AAA';
const M2M_TOKEN_CAT = 'cl_B7d4PD333AAA';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** CLERK_JWT_KEY of the variants. */
export const CLERK_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** The signing key, for the fake Clerk to list in its JWKS. */
export const BENCH_SIGNING_KEY = { kid: BENCH_KID, privateKey };

const now = () => Math.floor(Date.now() / 1000);

type SessionOptions = { sub?: string; sid?: string; kid?: string; ttl?: number };

/** A Clerk-shaped v2 session token; a distinct `sid` makes a distinct string (nothing can share its cached result). */
export function sessionToken({ sub = 'user_bench', sid = 'sess_0', kid = BENCH_KID, ttl = 3600 }: SessionOptions = {}) {
  const iat = now();
  return signRs256(
    { alg: 'RS256', kid, typ: 'JWT', cat: SESSION_TOKEN_CAT },
    { azp: BENCH_AZP, exp: iat + ttl, iat, nbf: iat - 10, iss: 'https://bench.clerk', sid, sub, v: 2 },
    privateKey,
  );
}

/** An M2M token in JWT form (verified locally with the same key). */
export function m2mToken() {
  const iat = now();
  return signRs256(
    { alg: 'RS256', kid: BENCH_KID, typ: 'JWT', cat: M2M_TOKEN_CAT },
    { sub: 'mch_bench', exp: iat + 3600, iat, nbf: iat - 5, jti: 'mt_jti', scopes: 'mch_peer' },
    privateKey,
  );
}
