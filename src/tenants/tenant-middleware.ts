import { ensureTenantForUser, getTenant, type Tenant } from '../db/queries/tenants';
import { AppError } from '../errors';
import { factory } from '../lib/factory';

declare module '../env' {
  interface Variables {
    /** The caller's own (user) tenant, created just in time if the webhook is late. */
    tenant: Tenant;
    /** The tenant of the session's active organization, when there is one and it is known. */
    orgTenant: Tenant | null;
  }
}

const claim = (claims: Record<string, unknown>, name: string) => {
  const v = claims[name];
  return typeof v === 'string' && v.length <= 320 ? v : null;
};

/**
 * Loads the caller's tenant (from `c.var.auth`, set by the session middleware), creating a
 * minimal one just in time when `user.created` has not arrived yet. In an organization
 * session the tenant is still the user's; the organization's is `c.var.orgTenant`.
 * Archived tenants are loaded too: routes that must refuse them use `requireActiveTenant`.
 */
export const loadTenant = factory.createMiddleware(async (c, next) => {
  const auth = c.get('auth');
  if (!auth) throw new AppError('invalid_token', { detail: { reason: 'loadTenant without auth' } });
  const db = c.get('db');
  const [tenant, orgTenant] = await Promise.all([
    getTenant(db, { id: auth.userId }).then(
      (found) =>
        found ??
        ensureTenantForUser(db, {
          userId: auth.userId,
          now: Date.now(),
          email: claim(auth.claims, 'email'),
          name: claim(auth.claims, 'name'),
        }),
    ),
    auth.orgId ? getTenant(db, { id: auth.orgId }) : Promise.resolve(null),
  ]);
  c.set('tenant', tenant);
  c.set('orgTenant', orgTenant);
  await next();
});

/** 403 `tenant_archived` once the caller's tenant was archived (`user.deleted`). */
export const requireActiveTenant = factory.createMiddleware(async (c, next) => {
  if (c.get('tenant').status === 'archived') throw new AppError('tenant_archived');
  await next();
});
