// The benches' Clerk signing key and tokens: one RSA-2048 key pair per bench process, whose public half the
// variants get as CLERK_JWT_KEY (networkless verification) or from the fake Clerk's JWKS. Tokens are minted by
// the fake Clerk (drill/support/fake-clerk.ts, the one Node-side minter of Clerk-shaped tokens for drill and
// benches), given this key.
import { generateKeyPairSync } from 'node:crypto';
import { createFakeClerk } from '../../drill/support/fake-clerk.ts';
import { BENCH_AZP } from './workerd.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** CLERK_JWT_KEY of the variants. */
export const CLERK_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** The signing key, for a fake Clerk to list in its JWKS. */
export const BENCH_SIGNING_KEY = { kid: 'ins_bench', privateKey };

const minter = createFakeClerk({ key: BENCH_SIGNING_KEY }); // never started: only its minting is used

type SessionOptions = { sub?: string; sid?: string; ttl?: number };

/** A Clerk-shaped v2 session token; a distinct `sid` makes a distinct string (nothing can share its cached result). */
export const sessionToken = ({ sub = 'user_bench', sid = 'sess_0', ttl = 3600 }: SessionOptions = {}) =>
  minter.mint({ userId: sub, sessionId: sid, ttl, azp: BENCH_AZP });

/** A session token whose `kid` Clerk never issued (a new random one each call). */
export const unknownKidToken = () => minter.unknownKidToken({ azp: BENCH_AZP, ttl: 3600 });

/** An M2M token in JWT form (verified locally with the same key). */
export const m2mToken = () => minter.mintMachineJwt('m2m', { subject: 'mch_bench', ttl: 3600 });
