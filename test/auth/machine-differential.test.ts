import { env } from 'cloudflare:workers';
import { createClerkClient } from '@clerk/backend';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../../src/auth/authenticate';
import type { TokenType } from '../../src/auth/types';
import { createBaseApp } from '../../src/base-app';
import { createServices } from '../../src/services/services';
import { type ClerkMock, mockClerk } from '../helpers/clerk-mock';
import { callApp } from '../helpers/http';
import { type FakeAnswer, fakeMachineApi, M2M_JWT_CAT, randomOpaque, verifiedBody } from '../helpers/machine-tokens';
import { base64url, generateRsaKeyPair, mintSessionToken, signJwt, TEST_AZP, TEST_KID } from '../helpers/tokens';

/**
 * Differential test for machine tokens: ours (`authenticate(c, { accept })`) against @clerk/backend's
 * `authenticateRequest` with the same `acceptsToken` array, the same key (`jwtKey`) and the same fake
 * Backend API (both reach it through the mocked `fetch`. @clerk/backend's runtime binds `fetch` at
 * load and uses that copy, which bypasses the mock, unless `process.env.NODE_ENV` is "test" at call
 * time: this file sets it, as the existing session differential never needed to, being networkless).
 * Decisions (signed in or not, token type, subject) must agree,
 * except for these deliberate differences, where we refuse and Clerk signs in:
 */
const DELIBERATE_DIFFERENCES = {
  revoked: 'a 200 from the verify endpoint with `revoked: true`',
  expired: 'a 200 with `expired: true`, or an `expiration` already past',
  inactive: 'a 200 `{"active":false}` (Clerk signs it in with an undefined subject)',
} as const;
/*
 * Not generated here (the oracle's answer is not a token decision): Clerk 401/429/5xx ⇒ we answer 503
 * `auth_unavailable` where Clerk signs out (test/auth/machine-http.test.ts); machine tokens in a
 * cookie (Clerk ignores them too); alg RS384/RS512 (pinned to RS256 as for sessions).
 */

type Answer = 'valid' | 'revoked' | 'expired' | 'expiration_past' | 'inactive' | 'not_found';
type Spec =
  | {
      form: 'opaque';
      prefix: 'ak_' | 'mt_' | 'oat_';
      answer: Answer;
      subject: 'user' | 'org' | 'machine';
      shape: 'ok' | 'short' | 'dotted';
    }
  | {
      form: 'jwt';
      kind: 'm2m' | 'oauth';
      cat: string | undefined;
      typ: string | undefined;
      alg: string;
      kid: string | undefined;
      sub: unknown;
      expIn: number | undefined;
      nbfIn: number | undefined;
      iatIn: number | undefined;
      foreignKey: boolean;
      tamper: boolean;
    }
  | { form: 'session'; expIn: number };

const ACCEPTS: TokenType[][] = [
  ['api_key'],
  ['m2m_token'],
  ['oauth_token'],
  ['session_token'],
  ['api_key', 'm2m_token'],
  ['api_key', 'oauth_token', 'm2m_token'],
  ['session_token', 'api_key'],
  ['session_token', 'api_key', 'm2m_token', 'oauth_token'],
];

// Time offsets stay ≥ 4 s away from the 5 s skew boundaries so the two clocks cannot disagree.
const opaque = fc.record({
  form: fc.constant('opaque' as const),
  prefix: fc.constantFrom('ak_' as const, 'mt_' as const, 'oat_' as const),
  answer: fc.constantFrom<Answer>(
    'valid',
    'valid',
    'valid',
    'revoked',
    'expired',
    'expiration_past',
    'inactive',
    'not_found',
  ),
  subject: fc.constantFrom('user' as const, 'org' as const, 'machine' as const),
  shape: fc.constantFrom(
    'ok' as const,
    'ok' as const,
    'ok' as const,
    'ok' as const,
    'short' as const,
    'dotted' as const,
  ),
});
const jwt = fc.record({
  form: fc.constant('jwt' as const),
  kind: fc.constantFrom('m2m' as const, 'oauth' as const),
  cat: fc.constantFrom(undefined, undefined, M2M_JWT_CAT, 'cl_B7d4PD111AAA', 'cl_other'),
  typ: fc.constantFrom(undefined, 'JWT', 'at+jwt', 'application/at+jwt', 'jwt'),
  alg: fc.constantFrom('RS256', 'RS256', 'RS256', 'HS256', 'none'),
  kid: fc.constantFrom(TEST_KID, TEST_KID, undefined, 'ins_other'),
  sub: fc.constantFrom('mch_a', 'mch_a', 'user_a', 'user_a', 42, undefined),
  expIn: fc.constantFrom(3600, 3600, 60, -60, -600, undefined),
  nbfIn: fc.constantFrom(undefined, -10, 60),
  iatIn: fc.constantFrom(0, 0, undefined, -30, 60),
  foreignKey: fc.constantFrom(false, false, false, true),
  tamper: fc.constantFrom(false, false, false, true),
});
const session = fc.record({ form: fc.constant('session' as const), expIn: fc.constantFrom(60, 60, -600) });
const specs: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 4, arbitrary: opaque },
  { weight: 5, arbitrary: jwt },
  { weight: 1, arbitrary: session },
);

/** `{active:false}` is OAuth introspection's answer; for an API key or M2M body Clerk would throw (no subject). */
const answerOf = (s: Extract<Spec, { form: 'opaque' }>): Answer =>
  s.answer === 'inactive' && s.prefix !== 'oat_' ? 'revoked' : s.answer;

let otherKey: CryptoKey;
const table = new Map<string, FakeAnswer>();

function differenceFor(s: Spec): keyof typeof DELIBERATE_DIFFERENCES | null {
  if (s.form !== 'opaque' || s.shape !== 'ok') return null;
  const answer = answerOf(s);
  if (answer === 'revoked') return 'revoked';
  if (answer === 'expired' || answer === 'expiration_past') return 'expired';
  if (answer === 'inactive') return 'inactive';
  return null;
}

async function mint(s: Spec): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  if (s.form === 'session')
    return mintSessionToken({ iat: now + Math.min(0, s.expIn) - 60, ttl: 60 + Math.max(s.expIn, 0) + 60 });
  if (s.form === 'opaque') {
    const base = randomOpaque(s.prefix);
    const token = s.shape === 'short' ? `${s.prefix}abc` : s.shape === 'dotted' ? `${s.prefix}a.b.c` : base;
    const kind = s.prefix === 'ak_' ? 'api_key' : s.prefix === 'mt_' ? 'm2m_token' : 'oauth_token';
    const answer = answerOf(s);
    const subject =
      s.subject === 'machine' ? 'mch_diff' : s.subject === 'org' ? 'org_diff' : `user_diff_${base.slice(-6)}`;
    const body =
      answer === 'inactive'
        ? { active: false }
        : verifiedBody(kind, {
            subject,
            revoked: answer === 'revoked',
            expired: answer === 'expired',
            expiration: answer === 'expiration_past' ? Date.now() - 60_000 : null,
          });
    // Clerk never issues the short or dotted shapes: its Backend API does not know them (404).
    if (answer !== 'not_found' && s.shape === 'ok') table.set(token, { status: 200, body });
    return token;
  }
  const header: Record<string, unknown> = {
    alg: s.alg,
    kid: s.kid,
    typ: s.kind === 'oauth' ? (s.typ ?? 'at+jwt') : s.typ,
    cat: s.cat,
  };
  const claims: Record<string, unknown> = {
    iss: 'https://fulcrum.clerk.accounts.dev',
    sub: s.kind === 'm2m' && s.sub === 'user_a' ? 'mch_a' : s.sub,
    jti: `jti_${crypto.randomUUID().slice(0, 8)}`,
    exp: s.expIn === undefined ? undefined : now + s.expIn,
    nbf: s.nbfIn === undefined ? undefined : now + s.nbfIn,
    iat: s.iatIn === undefined ? undefined : now + s.iatIn,
    ...(s.kind === 'm2m' ? { scopes: 'mch_b mch_c' } : { client_id: 'client_diff', scope: 'read write' }),
  };
  for (const o of [header, claims]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  const token = await signJwt(header, claims, s.foreignKey ? otherKey : undefined);
  if (!s.tamper) return token;
  const [h, , sig] = token.split('.') as [string, string, string];
  return `${h}.${base64url(JSON.stringify({ ...claims, sub: 'mch_admin' }))}.${sig}`;
}

type Decision = { signedIn: boolean; tokenType?: string | null; subject?: unknown };

const clerkClient = createClerkClient({
  secretKey: env.CLERK_SECRET_KEY,
  publishableKey: env.CLERK_PUBLISHABLE_KEY,
  apiUrl: env.CLERK_API_URL,
});

async function clerkDecision(token: string, accept: TokenType[]): Promise<Decision> {
  const request = new Request('https://edge.fulcrum.test/who', { headers: { authorization: `Bearer ${token}` } });
  const state = await clerkClient.authenticateRequest(request, {
    acceptsToken: accept,
    jwtKey: env.CLERK_JWT_KEY,
    authorizedParties: [TEST_AZP],
  });
  if (!state.isAuthenticated) return { signedIn: false };
  const auth = state.toAuth() as { tokenType: string; subject?: unknown; userId?: unknown };
  return {
    signedIn: true,
    tokenType: auth.tokenType,
    subject: auth.tokenType === 'session_token' ? auth.userId : auth.subject,
  };
}

const ours = createBaseApp(createServices()).get('/who', async (c) =>
  c.json(await authenticate(c, { accept: JSON.parse(c.req.header('x-accept') ?? '[]') as TokenType[] })),
);

async function ourDecision(token: string, accept: TokenType[]): Promise<Decision> {
  const res = await callApp(ours, '/who', {
    headers: { authorization: `Bearer ${token}`, 'x-accept': JSON.stringify(accept) },
  });
  if (res.status === 401) return { signedIn: false };
  expect(res.status, await res.clone().text()).toBe(200);
  const auth = (await res.json()) as { tokenType: string; subject: string };
  return { signedIn: true, tokenType: auth.tokenType, subject: auth.subject };
}

describe(
  'differential: machine tokens, ours vs @clerk/backend ' + 'authenticateRequest (same acceptsToken, key, Backend API)',
  () => {
    let clerk: ClerkMock;
    let api: ReturnType<typeof fakeMachineApi>;
    const nodeEnv = process.env.NODE_ENV;
    beforeAll(async () => {
      process.env.NODE_ENV = 'test'; // @clerk/backend's runtime.fetch then reads the (mocked) global fetch
      otherKey = (await generateRsaKeyPair()).privateKey;
      api = fakeMachineApi(table);
      clerk = mockClerk(api.routes);
    });
    afterAll(() => {
      clerk.restore();
      process.env.NODE_ENV = nodeEnv;
    });

    it('agrees on ≥ 200 generated machine tokens of every form except the listed deliberate differences', async () => {
      const tally = { runs: 0, bothIn: 0, bothOut: 0, deliberate: 0, forms: {} as Record<string, number> };
      await fc.assert(
        fc.asyncProperty(specs, fc.constantFrom(...ACCEPTS), async (s, accept) => {
          const token = await mint(s);
          const theirs = await clerkDecision(token, accept);
          const mine = await ourDecision(token, accept);
          tally.runs++;
          const form = s.form === 'opaque' ? s.prefix : s.form === 'jwt' ? `${s.kind}-jwt` : 'session';
          tally.forms[form] = (tally.forms[form] ?? 0) + 1;
          if (differenceFor(s) && theirs.signedIn && !mine.signedIn) {
            tally.deliberate++;
            return;
          }
          expect(mine, `${JSON.stringify(s)} accept=${accept}`).toEqual(theirs);
          if (mine.signedIn) tally.bothIn++;
          else tally.bothOut++;
        }),
        { numRuns: 400, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
      );
      expect(tally.runs).toBeGreaterThanOrEqual(200);
      expect(tally.bothIn).toBeGreaterThan(15);
      expect(tally.bothOut).toBeGreaterThan(50);
      expect(tally.deliberate).toBeGreaterThan(0);
      for (const f of ['ak_', 'mt_', 'oat_', 'm2m-jwt', 'oauth-jwt']) expect(tally.forms[f] ?? 0).toBeGreaterThan(20);
      expect(api.total()).toBeGreaterThan(0); // the Backend API really answered both
      expect(clerk.unhandled).toEqual([]);
      console.info(`machine differential: ${JSON.stringify(tally)}`);
    }, 300_000);

    it('the deliberate differences hold: Clerk signs in a revoked key, we do not', async () => {
      const s: Spec = { form: 'opaque', prefix: 'ak_', answer: 'revoked', subject: 'user', shape: 'ok' };
      const token = await mint(s);
      expect((await clerkDecision(token, ['api_key'])).signedIn).toBe(true);
      expect((await ourDecision(token, ['api_key'])).signedIn).toBe(false);
    });
  },
);
