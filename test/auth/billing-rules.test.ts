import { signedInAuthObject } from '@clerk/backend/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasAnyPlan, isEntitlementName, missingFeatures } from '../../src/auth/billing-rules';
import { toAuthContext } from '../../src/auth/verify-session';
import { parseRouteTable } from '../../src/gateway/route-table';
import { capturedOrigin, gatewayBindings, send } from '../gateway/harness';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';

const base = { sub: 'user_1', sid: 'sess_1', exp: 2_000_000_000, iat: 1_900_000_000, v: 2 };

/** Our verdict for a route listing `features` and `plans`, through our claim mapping. */
function ours(claims: Record<string, unknown>, features: string[], plans: string[]): boolean | 'refused' {
  const auth = toAuthContext({ ...base, ...claims });
  if (typeof auth === 'string') return 'refused';
  return missingFeatures(auth, features).length === 0 && hasAnyPlan(auth, plans);
}

/** Clerk's verdict: the `has()` of @clerk/backend's signed-in auth object for the same claims. */
function clerks(claims: Record<string, unknown>, features: string[], plans: string[]): boolean | 'refused' {
  const all = { ...base, ...claims };
  let has: (p: Record<string, string>) => boolean;
  try {
    has = signedInAuthObject({} as never, 'token', all as never).has as never;
  } catch {
    return 'refused';
  }
  return features.every((feature) => has({ feature })) && (plans.length === 0 || plans.some((plan) => has({ plan })));
}

describe('billing rules (Clerk has() for features and plans)', () => {
  it('scopes: o: only the organization’s, u: only the user’s, uo/ou both, a bare name either', () => {
    const auth = (fea: string, pla?: string) => {
      const a = toAuthContext({ ...base, fea, ...(pla ? { pla } : {}) });
      if (typeof a === 'string') throw new Error(a);
      return a;
    };
    expect(missingFeatures(auth('o:dashboard,u:beta'), ['o:dashboard', 'u:beta'])).toEqual([]);
    expect(missingFeatures(auth('o:dashboard'), ['u:dashboard'])).toEqual(['u:dashboard']);
    expect(missingFeatures(auth('u:beta'), ['o:beta', 'beta'])).toEqual(['o:beta']);
    expect(missingFeatures(auth('uo:x'), ['o:x', 'u:x', 'x'])).toEqual([]);
    expect(hasAnyPlan(auth('o:a', 'o:pro'), ['o:enterprise', 'o:pro'])).toBe(true);
    expect(hasAnyPlan(auth('o:a', 'u:free'), ['o:pro'])).toBe(false);
    expect(hasAnyPlan(auth('o:a'), ['free'])).toBe(false);
  });

  it('names: a known scope or none; anything else is a configuration error', () => {
    for (const good of ['dashboard', 'o:dashboard', 'u:beta', 'org:x', 'user:y', 'organization:z'])
      expect(isEntitlementName(good)).toBe(true);
    for (const bad of ['', 'x:dashboard', 'o:', ':a', 'o:a:b', 'uo:a']) expect(isEntitlementName(bad)).toBe(false);
    const table = parseRouteTable([
      { prefix: '/a/', features: ['x:dashboard'] },
      { prefix: '/b/', plans: [''] },
    ]);
    expect(table.routes).toEqual([]);
    expect(table.problems.map((p) => p.issue)).toEqual([
      expect.stringMatching(/^features\.0: /),
      expect.stringMatching(/^plans\.0: /),
    ]);
    expect(parseRouteTable([{ prefix: '/c/', auth: 'optional', plans: ['o:pro'] }]).problems[0]?.issue).toMatch(
      /need auth "required"/,
    );
  });

  it('differential: the verdict equals @clerk/backend’s has() for the same claims (fast-check)', () => {
    const id = fc.constantFrom('dashboard', 'beta', 'pro', 'free');
    const scope = fc.constantFrom('o', 'u', 'uo', 'ou', 'x');
    const element = fc.tuple(scope, id).map(([s, i]) => `${s}:${i}`);
    const claim = fc.oneof(
      fc.array(element, { maxLength: 4 }).map((xs) => xs.join(',')),
      fc.constantFrom(undefined, '', 'dashboard', ' o:beta , u:pro'),
    );
    const asked = fc.array(
      fc.oneof(
        id,
        fc.tuple(fc.constantFrom('o', 'u', 'org', 'user', 'organization'), id).map(([s, i]) => `${s}:${i}`),
      ),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(claim, claim, asked, asked, (fea, pla, features, plans) => {
        const claims = { fea, pla };
        expect(ours(claims, features, plans)).toBe(clerks(claims, features, plans));
      }),
      { numRuns: 500 },
    );
  });

  it('a gateway route: a token without the feature or plan is 403 and never forwarded; with both it is', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings(
      [{ prefix: '/paid/', features: ['o:dashboard'], plans: ['o:pro', 'o:team'] }],
      origin,
    );
    const token = (claims: Record<string, unknown>) => mintSessionToken({ userId: uid('user'), claims });
    await expectError(await send(b, '/paid/x', { headers: bearer(await token({})) }), 403, 'forbidden');
    await expectError(
      await send(b, '/paid/x', { headers: bearer(await token({ fea: 'u:dashboard', pla: 'o:pro' })) }),
      403,
      'forbidden',
    );
    await expectError(
      await send(b, '/paid/x', { headers: bearer(await token({ fea: 'o:dashboard', pla: 'u:pro' })) }),
      403,
      'forbidden',
    );
    expect(origin.received).toHaveLength(0);
    const ok = await send(b, '/paid/x', { headers: bearer(await token({ fea: 'o:dashboard,u:beta', pla: 'o:team' })) });
    expect(ok.status).toBe(200);
    expect(origin.received).toHaveLength(1);
  });
});
