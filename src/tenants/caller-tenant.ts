import type { Context } from 'hono';
import type { AuthContext } from '../auth/types';
import { BOOKMARK_HEADER, isBookmark } from '../db/read-session';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { log } from '../lib/log';
import type { TenantCache } from './tenant-cache';
import { ensureTenantForUser, getTenant, type Tenant, unsavedUserTenant } from './tenant-store';

export type LoadTenantDeps = {
  /** Per-isolate tenant rows; `new TenantCache(0)` disables it. */
  cache: TenantCache;
  /** The clock (ms), for cache expiry and just-in-time creation times. */
  now: () => number;
};

/**
 * The tenants a caller acts through. `user`: the user's own tenant (a session's user, a user's API key, an OAuth
 * token's granting user), created just in time when its webhook is late. `org`: the organization's (a session's
 * active organization, an organization's API key), only read: null until its webhook arrives. `actsFor`: the id
 * the caller acts for (the organization's when there is one, else the user's); null for M2M tokens (a machine
 * belongs to no tenant).
 */
export type CallerTenants = { user: Tenant | null; org: Tenant | null; actsFor: string | null };

const claim = (claims: Record<string, unknown>, name: string) => {
  const v = claims[name];
  return typeof v === 'string' && v.length <= 320 ? v : null;
};

/**
 * A tenant row by id: from the isolate's cache when fresh (no D1 query), else from the request's
 * D1 session, a miss remembered too (an organization whose webhook is late: same TTL). A request
 * that sends `x-d1-bookmark` asked to see at least that state, which a cached row may predate, so
 * it bypasses the cache. The one cached tenant read.
 */
export async function readTenant(c: Context<AppEnv>, deps: LoadTenantDeps, id: string, now: number) {
  const hit = isBookmark(c.req.header(BOOKMARK_HEADER)) ? undefined : deps.cache.get(id, now);
  if (hit !== undefined) return hit;
  const found = await getTenant(c.var.sessionDb(), { id });
  deps.cache.set(id, found, now);
  return found;
}

/** Which user and organization a credential acts through (a machine token's user only when it is a Clerk user). */
function tenantIdsOf(auth: AuthContext): { userId: string | null; orgId: string | null } {
  if (auth.tokenType === 'session_token') return { userId: auth.userId, orgId: auth.orgId };
  if (auth.tokenType === 'm2m_token') return { userId: null, orgId: null };
  return { userId: auth.userId?.startsWith('user_') ? auth.userId : null, orgId: auth.orgId };
}

/**
 * "Which tenant does this caller act for", decided once for sessions (/v1), machine tokens (/v1/me) and the
 * gateway. Rows come from `readTenant` (the isolate's cache, else the request's D1 session: a replica, or at
 * least the client's bookmark). The just-in-time insert runs in the same session: D1 forwards it to the
 * primary and advances the session's bookmark, so the request's later reads and the bookmark handed back both
 * include the new row. Archived tenants are returned too: `refuseArchived` is the one rule that refuses them.
 */
export async function resolveCallerTenant(
  c: Context<AppEnv>,
  deps: LoadTenantDeps,
  auth: AuthContext,
): Promise<CallerTenants> {
  const { userId, orgId } = tenantIdsOf(auth);
  const now = deps.now();
  const [user, org] = await Promise.all([
    userId === null
      ? null
      : readTenant(c, deps, userId, now).then(async (found) => {
          if (found) return found;
          const profile = { userId, now, email: claim(auth.claims, 'email'), name: claim(auth.claims, 'name') };
          try {
            const created = await ensureTenantForUser(c.var.sessionDb(), profile);
            deps.cache.set(userId, created, now);
            return created;
          } catch (err) {
            // D1 refusing the write (full, overloaded) must not turn a valid request into a 5xx: serve the
            // tenant unsaved (never cached); the next request or the user's webhook writes it. Unless the
            // primary has the row the session's replica did not (an archived tenant stays refused).
            log('warn', 'tenant.jit_write_failed', { requestId: c.var.requestId, error: err });
            const primary = await getTenant(c.var.db, { id: userId }).catch(() => null);
            return primary ?? unsavedUserTenant(profile);
          }
        }),
    orgId === null ? null : readTenant(c, deps, orgId, now),
  ]);
  return { user, org, actsFor: orgId ?? userId };
}

/**
 * The one archived rule (DESIGN.md: archived ⇒ 403 `tenant_archived`): a caller whose own tenant or whose
 * organization's tenant was archived (`user.deleted`, `organization.deleted`) acts for nobody.
 */
export function refuseArchived(tenants: { user: Tenant | null; org: Tenant | null }): void {
  if (tenants.user?.status === 'archived' || tenants.org?.status === 'archived') throw new AppError('tenant_archived');
}
