import { AppError } from '../errors';
import { factory } from '../http/factory';
import { type LoadTenantDeps, readTenant } from './tenant-middleware';
import { ensureTenantForUser, type Tenant } from './tenant-store';

declare module '../env' {
  interface Variables {
    /** A machine caller's tenant: its user's or organization's; null for M2M tokens (machines have none). */
    machineTenant: Tenant | null;
  }
}

/**
 * Which tenant a machine token acts for. An API key's subject is a user or an organization
 * (Clerk's `userId`/`orgId` of the key); an OAuth token's is the user who granted it; an M2M
 * token's is a machine, which belongs to no tenant.
 */
function machineTenantId(auth: {
  tokenType: string;
  subject: string;
}): { id: string; kind: 'user' | 'organization' } | null {
  if (auth.tokenType === 'm2m_token') return null;
  if (auth.subject.startsWith('user_')) return { id: auth.subject, kind: 'user' };
  if (auth.tokenType === 'api_key' && auth.subject.startsWith('org_'))
    return { id: auth.subject, kind: 'organization' };
  return null;
}

/**
 * Loads a machine caller's tenant into `c.var.machineTenant` (same cache and D1 session as the
 * session loader): a user's is created just in time when its webhook is late, an organization's
 * only read (null until its webhook arrives). An archived tenant is 403 `tenant_archived`: the
 * key of a deleted user or organization acts for nobody.
 */
export function createLoadMachineTenant(deps: LoadTenantDeps) {
  return factory.createMiddleware(async function loadMachineTenant(c, next) {
    const target = machineTenantId(c.var.auth);
    let tenant: Tenant | null = null;
    if (target) {
      const now = deps.now();
      tenant = await readTenant(c, deps, target.id, now);
      if (!tenant && target.kind === 'user') {
        tenant = await ensureTenantForUser(c.var.sessionDb(), { userId: target.id, now });
        deps.cache.set(target.id, tenant, now);
      }
      if (tenant?.status === 'archived') throw new AppError('tenant_archived');
    }
    c.set('machineTenant', tenant);
    await next();
  });
}
