import { factory } from '../http/factory';
import { type LoadTenantDeps, refuseArchived, resolveCallerTenant } from './caller-tenant';
import type { Tenant } from './tenant-store';

declare module '../env' {
  interface Variables {
    /** A machine caller's tenant: its user's or organization's; null for M2M tokens (machines have none). */
    machineTenant: Tenant | null;
  }
}

/**
 * Loads a machine caller's tenant into `c.var.machineTenant` with the one tenant rule (`resolveCallerTenant`,
 * same cache and D1 session as the session loader): an API key's user or organization (Clerk's `userId`/`orgId`
 * of the key), an OAuth token's granting user, none for an M2M token. A user's is created just in time when its
 * webhook is late, an organization's only read (null until its webhook arrives). An archived tenant is 403
 * `tenant_archived` (`refuseArchived`): the key of a deleted user or organization acts for nobody.
 */
export function createLoadMachineTenant(deps: LoadTenantDeps) {
  return factory.createMiddleware(async function loadMachineTenant(c, next) {
    const tenants = await resolveCallerTenant(c, deps, c.var.auth);
    refuseArchived(tenants);
    c.set('machineTenant', tenants.org ?? tenants.user);
    await next();
  });
}
