import { env } from 'cloudflare:workers';
import { clerkMiddleware, getAuth } from '@clerk/hono';
import fc from 'fast-check';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionAuth } from '../../src/auth/session-middleware';
import { createBaseApp } from '../../src/base-app';
import { createServices } from '../../src/services/services';
import { type ClerkMock, mockClerk } from '../helpers/clerk-mock';
import { call, callApp } from '../helpers/http';
import {
  base64url,
  generateRsaKeyPair,
  SESSION_TOKEN_CAT,
  signJwt,
  TEST_AZP,
  TEST_ISSUER,
  TEST_KID,
} from '../helpers/tokens';

/**
 * Differential test: our verifier against Clerk's own middleware (`@clerk/hono` clerkMiddleware with
 * a networkless `jwtKey`, the same key and `authorizedParties`, `getAuth(c, { acceptsToken:
 * 'session_token' })`), over generated tokens mixing valid and subtly broken headers and claims.
 * Signed-in/out decisions and userId/sessionId/orgId/orgRole must agree, except for these deliberate
 * differences, where we are stricter (we refuse, Clerk accepts):
 */
const DELIBERATE_DIFFERENCES = {
  // Every Clerk session token carries `sid`; a token without one is not a session token, and the
  // session id is what audits and revocation key on. Clerk 3.25's header path signs it in anyway.
  missing_sid: 'a token without a string `sid` is refused',
} as const;
/*
 * Other deliberate differences, not generated here because the oracle's answer is not a token decision:
 * - no handshake: an expired/not-yet-valid cookie token on a browser navigation gets 401, never Clerk's
 *   307 to the handshake (test/tenants/me-route.test.ts);
 * - cookies: `__session` is accepted only with CLERK_AUTHORIZED_PARTIES set and a matching `azp`
 *   (Clerk also wants `__client_uat` and dev-browser cookies and then redirects);
 * - only `Authorization: Bearer <token>` (Clerk also takes a bare token without a scheme, and falls back
 *   to cookies for other schemes); tokens over 8 KiB and padded base64 are refused;
 * - alg pinned to RS256 (RFC 8725 §3.1; Clerk also accepts RS384/RS512 signatures by the same key).
 */

type Spec = {
  alg: string;
  typ: string | undefined;
  cat: string | undefined;
  kid: string | undefined;
  sub: unknown;
  sid: unknown;
  azp: string | undefined;
  expIn: number;
  nbfIn: number | undefined;
  iatIn: number | undefined;
  sts: string | undefined;
  org: 'none' | 'v1' | 'v2';
  role: string;
  foreignKey: boolean;
  tamper: 'none' | 'payload' | 'signature';
};

// Offsets stay ≥ 4 s away from the 5 s skew boundaries so the two verifiers' clocks cannot disagree.
const spec: fc.Arbitrary<Spec> = fc.record({
  alg: fc.constantFrom('RS256', 'RS256', 'RS256', 'RS384', 'HS256', 'none'),
  typ: fc.constantFrom('JWT', 'JWT', undefined, 'at+jwt', 'jwt', 'JWS'),
  cat: fc.constantFrom(
    SESSION_TOKEN_CAT,
    SESSION_TOKEN_CAT,
    undefined,
    'cl_I7d4PD111III',
    'cl_B7d4PD222AAA',
    'cl_B7d4PD333AAA',
  ),
  kid: fc.constantFrom(TEST_KID, TEST_KID, 'ins_other', undefined),
  sub: fc.constantFrom('user_a', 'user_b', 'user_a', undefined, 42, 'mch_machine'),
  sid: fc.constantFrom('sess_1', 'sess_2', 'sess_1', undefined),
  azp: fc.constantFrom(TEST_AZP, TEST_AZP, TEST_AZP, 'https://evil.example', undefined),
  expIn: fc.constantFrom(60, 60, 3600, -1, -60, -600),
  nbfIn: fc.constantFrom(-10, -10, undefined, 1, 60),
  iatIn: fc.constantFrom(0, 0, -30, undefined, 1, 60),
  sts: fc.constantFrom(undefined, undefined, 'active', 'pending'),
  org: fc.constantFrom('none', 'v1', 'v2'),
  role: fc.constantFrom('admin', 'member'),
  foreignKey: fc.boolean(),
  tamper: fc.constantFrom('none', 'payload', 'signature'),
});

const VALID: Spec = {
  alg: 'RS256',
  typ: 'JWT',
  cat: SESSION_TOKEN_CAT,
  kid: TEST_KID,
  sub: 'user_a',
  sid: 'sess_1',
  azp: TEST_AZP,
  expIn: 60,
  nbfIn: -10,
  iatIn: 0,
  sts: undefined,
  org: 'none',
  role: 'admin',
  foreignKey: false,
  tamper: 'none',
};

/** Mostly a valid token with zero to two fields broken (subtle), sometimes anything at all. */
const tokens: fc.Arbitrary<Spec> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        spec,
        fc.subarray(Object.keys(VALID) as (keyof Spec)[], { maxLength: 2 }),
        fc.constantFrom('none', 'v1', 'v2'),
      )
      .map(([random, fields, org]) => {
        const s: Spec = { ...VALID, org: org as Spec['org'] };
        for (const f of fields) Object.assign(s, { [f]: random[f] });
        return s;
      }),
  },
  { weight: 1, arbitrary: spec },
);

function differenceFor(s: Spec): keyof typeof DELIBERATE_DIFFERENCES | null {
  return typeof s.sid !== 'string' ? 'missing_sid' : null;
}

let otherKey: CryptoKey;

async function mint(s: Spec): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, unknown> = { alg: s.alg, typ: s.typ, cat: s.cat, kid: s.kid };
  const claims: Record<string, unknown> = {
    sub: s.sub,
    sid: s.sid,
    azp: s.azp,
    iss: TEST_ISSUER,
    exp: now + s.expIn,
    nbf: s.nbfIn === undefined ? undefined : now + s.nbfIn,
    iat: s.iatIn === undefined ? undefined : now + s.iatIn,
    sts: s.sts,
    fva: [2, -1],
  };
  if (s.org === 'v1')
    Object.assign(claims, { org_id: 'org_1', org_role: `org:${s.role}`, org_slug: 'one', org_permissions: [] });
  if (s.org === 'v2') Object.assign(claims, { v: 2, o: { id: 'org_2', rol: s.role, slg: 'two' } });
  for (const o of [header, claims]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  const token = await signJwt(header, claims, s.foreignKey ? otherKey : undefined);
  const [h, p, sig] = token.split('.') as [string, string, string];
  if (s.tamper === 'payload') return `${h}.${base64url(JSON.stringify({ ...claims, sub: 'user_admin' }))}.${sig}`;
  if (s.tamper === 'signature') return `${h}.${p}.${sig.slice(0, -4)}${sig.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  return token;
}

type Decision = { signedIn: boolean; userId: unknown; sessionId: unknown; orgId: unknown; orgRole: unknown };

const oracle = new Hono<{ Bindings: typeof env }>()
  .use(
    '*',
    clerkMiddleware({
      jwtKey: env.CLERK_JWT_KEY,
      secretKey: env.CLERK_SECRET_KEY,
      publishableKey: env.CLERK_PUBLISHABLE_KEY,
      authorizedParties: [TEST_AZP],
    }),
  )
  .get('/whoami', (c) => {
    const a = getAuth(c, { acceptsToken: 'session_token' });
    return c.json({
      signedIn: a.isAuthenticated,
      userId: a.userId,
      sessionId: a.sessionId,
      orgId: a.orgId,
      orgRole: a.orgRole,
    });
  });

async function clerkDecision(token: string): Promise<Decision & { headers: string[] }> {
  const res = await oracle.request('/whoami', { headers: { authorization: `Bearer ${token}` } }, env);
  const body = (await res.json()) as Decision;
  return { ...body, headers: [...res.headers.keys()].filter((k) => k.startsWith('x-clerk')) };
}

/** Our session middleware exactly as mounted on `/v1/*` (session tokens only), echoing `c.var.auth`. */
const ours = createBaseApp(createServices())
  .use('/v1/*', sessionAuth)
  .get('/v1/whoami', (c) => c.json(c.var.auth));

async function ourDecision(token: string): Promise<Decision> {
  const res = await callApp(ours, '/v1/whoami', { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) return { signedIn: false, userId: null, sessionId: null, orgId: null, orgRole: null };
  expect(res.status).toBe(200);
  const body = (await res.json()) as Omit<Decision, 'signedIn'>;
  return { signedIn: true, userId: body.userId, sessionId: body.sessionId, orgId: body.orgId, orgRole: body.orgRole };
}

const strip = ({ signedIn, userId, sessionId, orgId, orgRole }: Decision) => ({
  signedIn,
  ...(signedIn ? { userId, sessionId, orgId: orgId ?? null, orgRole: orgRole ?? null } : {}),
});

describe('differential: ours vs @clerk/hono clerkMiddleware (networkless, same key and options)', () => {
  let clerk: ClerkMock;
  beforeAll(async () => {
    otherKey = (await generateRsaKeyPair()).privateKey;
    clerk = mockClerk({}); // networkless: any Clerk API call would be an unhandled request
  });
  afterAll(() => clerk.restore());

  it('agrees on ≥ 200 generated tokens except for the listed deliberate differences', async () => {
    const tally = { runs: 0, bothIn: 0, bothOut: 0, deliberate: 0 };
    await fc.assert(
      fc.asyncProperty(tokens, async (s) => {
        const token = await mint(s);
        const [theirs, ours] = await Promise.all([clerkDecision(token), ourDecision(token)]);
        tally.runs++;
        const difference = differenceFor(s);
        if (difference && theirs.signedIn && !ours.signedIn) {
          tally.deliberate++;
          return;
        }
        expect(strip(ours), JSON.stringify(s)).toEqual(strip(theirs));
        if (ours.signedIn) tally.bothIn++;
        else tally.bothOut++;
      }),
      { numRuns: 300, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(tally.runs).toBeGreaterThanOrEqual(200);
    // The generator must exercise both outcomes, or agreement would prove nothing.
    expect(tally.bothIn).toBeGreaterThan(10);
    expect(tally.bothOut).toBeGreaterThan(50);
    expect(clerk.unhandled).toEqual([]);
    console.info(`differential: ${JSON.stringify(tally)}`);
  }, 120_000);

  it('valid tokens: identical identity fields for v1 and v2 organization claims', async () => {
    for (const org of ['none', 'v1', 'v2'] as const) {
      const s: Spec = { ...VALID, org };
      const token = await mint(s);
      const [theirs, ours] = await Promise.all([clerkDecision(token), ourDecision(token)]);
      expect(theirs.signedIn).toBe(true);
      expect(strip(ours)).toEqual(strip(theirs));
    }
  });

  it('Clerk signs a header token without sid in; we refuse it (listed difference)', async () => {
    const token = await mint({ ...VALID, sid: undefined });
    expect((await clerkDecision(token)).signedIn).toBe(true);
    expect((await ourDecision(token)).signedIn).toBe(false);
  });

  it("Clerk's middleware exposes x-clerk-auth-* headers; ours never does", async () => {
    const token = await mint({ ...VALID, expIn: -600, iatIn: -700 });
    const res = await call('/v1/me', { headers: { authorization: `Bearer ${token}` } });
    expect([...res.headers.keys()].filter((k) => k.startsWith('x-clerk'))).toEqual([]);
  });
});
