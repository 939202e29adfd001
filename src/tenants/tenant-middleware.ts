import type { Context } from 'hono';
import { BOOKMARK_HEADER, isBookmark } from '../db/read-session';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { factory } from '../http/factory';
import type { TenantCache } from './tenant-cache';
import { ensureTenantForUser, getTenant, type Tenant } from './tenant-store';

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

export type LoadTenantDeps = {
  /** Per-isolate tenant rows; `new TenantCache(0)` disables it. */
  cache: TenantCache;
  /** The clock (ms), for cache expiry and just-in-time creation times. */
  now: () => number;
};

/**
 * A tenant row by id: from the isolate's cache when fresh (no D1 query), else from the request's
 * D1 session, a miss remembered too (an organization whose webhook is late: same TTL). A request
 * that sends `x-d1-bookmark` asked to see at least that state, which a cached row may predate, so
 * it bypasses the cache. The one cached read of both tenant loaders.
 */
export async function readTenant(c: Context<AppEnv>, deps: LoadTenantDeps, id: string, now: number) {
  const hit = isBookmark(c.req.header(BOOKMARK_HEADER)) ? undefined : deps.cache.get(id, now);
  if (hit !== undefined) return hit;
  const found = await getTenant(c.var.sessionDb(), { id });
  deps.cache.set(id, found, now);
  return found;
}

/**
 * Loads the caller's tenant (from `c.var.auth`, set by the session middleware), creating a
 * minimal one just in time when `user.created` has not arrived yet. In an organization
 * session the tenant is still the user's; the organization's is `c.var.orgTenant`.
 * Archived tenants are loaded too: routes that must refuse them use `requireActiveTenant`.
 *
 * Rows come from `readTenant` (the isolate's cache, else the request's D1 session: a replica,
 * or at least the client's bookmark). The just-in-time insert runs in
 * the same session: D1 forwards it to the primary and advances the session's bookmark, so
 * the request's later reads and the bookmark handed back both include the new row.
 */
export function createLoadTenant(deps: LoadTenantDeps) {
  return factory.createMiddleware(async function loadTenant(c, next) {
    const auth = c.get('auth');
    if (!auth) throw new AppError('invalid_token', { detail: { reason: 'loadTenant without auth' } });
    // A user's tenant needs a user: machine callers (no userId) have none to load.
    const userId = auth.userId;
    if (userId === null)
      throw new AppError('forbidden', { detail: { reason: 'no user for a tenant', tokenType: auth.tokenType } });
    const now = deps.now();
    const read = (id: string) => readTenant(c, deps, id, now);
    const [tenant, orgTenant] = await Promise.all([
      read(userId).then(async (found) => {
        if (found) return found;
        const created = await ensureTenantForUser(c.var.sessionDb(), {
          userId,
          now,
          email: claim(auth.claims, 'email'),
          name: claim(auth.claims, 'name'),
        });
        deps.cache.set(userId, created, now);
        return created;
      }),
      auth.orgId ? read(auth.orgId) : Promise.resolve(null),
    ]);
    c.set('tenant', tenant);
    c.set('orgTenant', orgTenant);
    await next();
  });
}

/** 403 `tenant_archived` once the caller's tenant was archived (`user.deleted`). */
export const requireActiveTenant = factory.createMiddleware(async function requireActiveTenant(c, next) {
  if (c.get('tenant').status === 'archived') throw new AppError('tenant_archived');
  await next();
});
