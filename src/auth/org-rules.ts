import type { AuthContext } from './types';

/**
 * THE organization rules, as Clerk's `has()` (`checkOrgAuthorization` in @clerk/shared authorization.ts):
 * a role or permission is held only inside an active organization (a non-empty `orgId`), and a name
 * without the `org:` prefix means the same as with it (`admin` ≡ `org:admin`). A token whose organization
 * claim lacks an id (`o: { rol: "admin" }`) or has an empty one (`o: { id: "" }`) has no organization.
 */
type OrgFields = Pick<AuthContext, 'orgId' | 'orgRole' | 'orgPermissions'>;

const withOrg = (name: string) => name.replace(/^(org:)*/, 'org:');

/** True when the caller has an active organization (a non-empty id). */
export function hasActiveOrg(auth: Pick<AuthContext, 'orgId'>): boolean {
  return typeof auth.orgId === 'string' && auth.orgId !== '';
}

/** True when the caller's active organization role is one of `roles`. */
export function hasOrgRole(auth: OrgFields, roles: readonly string[]): boolean {
  const role = auth.orgRole;
  if (!hasActiveOrg(auth) || typeof role !== 'string' || role === '') return false;
  return roles.some((r) => withOrg(r) === withOrg(role));
}

/** The permissions of `permissions` the caller does not hold in its active organization (all of them without one). */
export function missingOrgPermissions(auth: OrgFields, permissions: readonly string[]): string[] {
  if (!hasActiveOrg(auth)) return [...permissions];
  return permissions.filter((p) => !auth.orgPermissions.includes(withOrg(p)));
}
