import { AppError } from '../errors';
import { factory } from '../http/factory';
import { type LoadTenantDeps, refuseArchived, resolveCallerTenant } from './caller-tenant';
import type { Tenant } from './tenant-store';

export type { LoadTenantDeps } from './caller-tenant';

declare module '../env' {
  interface Variables {
    /** The caller's own (user) tenant, created just in time if the webhook is late. */
    tenant: Tenant;
    /** The tenant of the session's active organization, when there is one and it is known. */
    orgTenant: Tenant | null;
  }
}

/**
 * Loads the caller's tenants (from `c.var.auth`, set by the session middleware) with the one tenant rule
 * (`resolveCallerTenant`): the user's, created just in time when `user.created` has not arrived yet, into
 * `c.var.tenant`; in an organization session the organization's into `c.var.orgTenant`. Archived tenants are
 * loaded too: routes that must refuse them use `requireActiveTenant`.
 */
export function createLoadTenant(deps: LoadTenantDeps) {
  return factory.createMiddleware(async function loadTenant(c, next) {
    const auth = c.get('auth');
    if (!auth) throw new AppError('invalid_token', { detail: { reason: 'loadTenant without auth' } });
    // A user's tenant needs a user: machine callers (no userId) have none to load.
    const userId = auth.userId;
    if (userId === null)
      throw new AppError('forbidden', { detail: { reason: 'no user for a tenant', tokenType: auth.tokenType } });
    const { user, org } = await resolveCallerTenant(c, deps, auth);
    if (!user)
      throw new AppError('forbidden', { detail: { reason: 'no user for a tenant', tokenType: auth.tokenType } });
    c.set('tenant', user);
    c.set('orgTenant', org);
    await next();
  });
}

/** 403 `tenant_archived` once the caller's tenant or its organization's was archived (`refuseArchived`). */
export const requireActiveTenant = factory.createMiddleware(async function requireActiveTenant(c, next) {
  refuseArchived({ user: c.get('tenant'), org: c.get('orgTenant') });
  await next();
});
