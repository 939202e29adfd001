import { createCheckAuthorization } from '@clerk/shared/authorization';
import { __experimental_JWTPayloadToAuthObjectProperties as clerkAuthProperties } from '@clerk/shared/jwtPayloadParser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/types';
import { toAuthContext } from '../../src/auth/verify-session';
import { checkRoutePolicy } from '../../src/gateway/route-policy';
import type { GatewayRoute } from '../../src/gateway/route-table';

const route = (r: Partial<GatewayRoute>): GatewayRoute => ({
  prefix: '/r/',
  auth: 'required',
  accept: ['session_token'],
  org: false,
  roles: [],
  permissions: [],
  features: [],
  plans: [],
  forwardCredentials: false,
  cors: 'edge',
  revocation: 'snapshot',
  segments: ['r'],
  ...r,
});

function passes(r: GatewayRoute, auth: AuthContext): boolean {
  try {
    checkRoutePolicy(r, auth);
    return true;
  } catch {
    return false;
  }
}

const base = { sub: 'user_1', sid: 'sess_1', exp: 2_000_000_000, iat: 1_900_000_000 };
const ours = (claims: Record<string, unknown>) => {
  const auth = toAuthContext({ ...base, ...claims });
  if (typeof auth === 'string') throw new Error(auth);
  return auth;
};

/** Clerk's verdict for a route's rules: `org: true` ⇔ an org id; any role; every permission (has() per name). */
function clerkPasses(r: GatewayRoute, claims: Record<string, unknown>): boolean {
  const props = clerkAuthProperties({ ...base, ...claims } as Parameters<typeof clerkAuthProperties>[0]);
  const has = createCheckAuthorization({
    userId: props.userId,
    orgId: props.orgId,
    orgRole: props.orgRole,
    orgPermissions: props.orgPermissions,
    factorVerificationAge: null,
    features: null,
    plans: null,
  } as Parameters<typeof createCheckAuthorization>[0]);
  // Clerk has no "any organization" check; what its auth object calls signed in to an org is a truthy orgId.
  if (r.org && !props.orgId) return false;
  if (r.roles.length > 0 && !r.roles.some((role) => has({ role } as Parameters<typeof has>[0]))) return false;
  return r.permissions.every((permission) => has({ permission } as Parameters<typeof has>[0]));
}

describe('organization rules (Clerk has())', () => {
  it('o: {rol: "admin"} without id fails a roles route; o: {id: ""} fails org: true and gives no tenant', () => {
    expect(passes(route({ roles: ['org:admin'] }), ours({ v: 2, o: { rol: 'admin' } }))).toBe(false);
    const empty = ours({ v: 2, o: { id: '' } });
    expect(empty.orgId).toBeNull();
    expect(passes(route({ org: true }), empty)).toBe(false);
    expect(
      passes(route({ permissions: ['org:x:read'] }), ours({ org_role: 'org:admin', org_permissions: ['org:x:read'] })),
    ).toBe(false);
    expect(passes(route({ roles: ['org:admin'] }), ours({ v: 2, o: { id: 'org_1', rol: 'admin' } }))).toBe(true);
    expect(passes(route({ roles: ['admin'] }), ours({ org_id: 'org_1', org_role: 'org:admin' }))).toBe(true);
  });

  it('differential: the route verdict equals Clerk’s has() for v1 and v2 organization claims', () => {
    const name = fc.constantFrom('admin', 'org:admin', 'member', 'org:member', '', 'org:org:admin');
    const perm = fc.constantFrom('org:x:read', 'x:read', 'org:y:write', 'y:write');
    const orgId = fc.constantFrom(undefined, '', 'org_1', null, 7);
    const typed = (id: unknown) => id === undefined || typeof id === 'string';
    const v1 = fc.record(
      {
        org_id: orgId,
        org_role: fc.option(name, { nil: undefined }),
        org_permissions: fc.array(perm, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    const v2 = fc.record(
      {
        v: fc.constant(2),
        fea: fc.constantFrom(undefined, 'o:x,o:y', 'o:x', 'u:x'),
        o: fc.option(
          fc.record(
            {
              id: orgId,
              rol: fc.option(name, { nil: undefined }),
              per: fc.constantFrom(undefined, 'read,write'),
              fpm: fc.constantFrom(undefined, '1,2', '3,3'),
            },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
      },
      { requiredKeys: ['v'] },
    );
    const policy = fc.record({
      org: fc.boolean(),
      roles: fc.array(
        name.filter((n) => n !== ''),
        { maxLength: 2 },
      ),
      permissions: fc.array(perm, { maxLength: 2 }),
    });
    fc.assert(
      fc.property(fc.oneof(v1, v2), policy, (claims, p) => {
        const r = route(p);
        const id = 'o' in claims ? claims.o?.id : (claims as { org_id?: unknown }).org_id;
        // Equal for string ids; stricter for a non-string id (Clerk takes any truthy value): ours ⇒ Clerk's.
        if (typed(id)) expect(passes(r, ours(claims))).toBe(clerkPasses(r, claims));
        else if (passes(r, ours(claims))) expect(clerkPasses(r, claims)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
