import { and, desc, eq, gt, gte, lt, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Database } from '../db/database';
import { keysetPage } from '../db/keyset';
import { organizationMemberships, tenants } from '../db/schema';

export type Tenant = typeof tenants.$inferSelect;
export type TenantPosition = { createdAt: number; id: string };

/** A tenant by id (Clerk's user or organization id), or null. */
export async function getTenant(db: Database, args: { id: string }): Promise<Tenant | null> {
  return (await db.select().from(tenants).where(eq(tenants.id, args.id)).get()) ?? null;
}

export type SearchTenantsArgs = {
  /** An exact tenant id, or a case-insensitive email prefix. */
  q?: string | undefined;
  status?: 'active' | 'archived' | undefined;
  limit: number;
  after?: TenantPosition | undefined;
};

/** Admin search over tenants, newest first, keyset-paginated on (created_at desc, id desc). */
export async function searchTenants(
  db: Database,
  args: SearchTenantsArgs,
): Promise<{ rows: Tenant[]; next: TenantPosition | null }> {
  const q = args.q?.trim();
  // Email prefix as a range on lower(email): LIKE would treat `%`/`_` in the query as wildcards.
  const prefix = q?.toLowerCase();
  const rows = await db
    .select()
    .from(tenants)
    .where(
      and(
        q && prefix
          ? or(
              eq(tenants.id, q),
              and(gte(sql`lower(${tenants.email})`, prefix), lt(sql`lower(${tenants.email})`, `${prefix}\u{10ffff}`)),
            )
          : undefined,
        args.status === undefined ? undefined : eq(tenants.status, args.status),
        args.after === undefined
          ? undefined
          : sql`(${tenants.createdAt}, ${tenants.id}) < (${args.after.createdAt}, ${args.after.id})`,
      ),
    )
    .orderBy(desc(tenants.createdAt), desc(tenants.id))
    .limit(args.limit + 1);
  return keysetPage(rows, args.limit, (r) => ({ createdAt: r.createdAt, id: r.id }));
}

export type OrgMember = { userId: string; role: string | null; createdAt: number };

const m = organizationMemberships;
const other = alias(organizationMemberships, 'other');

/**
 * A user who leaves an organization and is added again has two membership rows (Clerk issues a
 * new membership id): the row that decides is the one with the newest event, an active row
 * beating a tombstone at the same millisecond (then the larger id, so the choice is total). A
 * late `organizationMembership.deleted` of the old membership, older than the re-add, therefore
 * changes nothing; a delete newer than the re-add wins. One rule for both queries below.
 */
const superseded = sql`not exists (select 1 from ${m} as ${sql.identifier('other')} where ${and(
  eq(other.orgId, m.orgId),
  eq(other.userId, m.userId),
  or(
    gt(other.lastEventAt, m.lastEventAt),
    and(
      eq(other.lastEventAt, m.lastEventAt),
      or(and(eq(other.status, 'active'), eq(m.status, 'deleted')), and(eq(other.status, m.status), gt(other.id, m.id))),
    ),
  ),
)})`;

/** An organization's members: users whose deciding membership row is active, ordered by role. */
export async function listActiveOrgMembers(
  db: Database,
  args: { orgId: string; limit?: number },
): Promise<OrgMember[]> {
  return db
    .select({ userId: m.userId, role: m.role, createdAt: m.createdAt })
    .from(m)
    .where(and(eq(m.orgId, args.orgId), eq(m.status, 'active'), superseded))
    .orderBy(m.role, m.userId)
    .limit(args.limit ?? 500);
}

/** One user's deciding membership in an organization (active, or a tombstone when that is newest), or null. */
export async function getMembership(db: Database, args: { orgId: string; userId: string }) {
  return (
    (await db
      .select({ status: m.status, role: m.role })
      .from(m)
      .where(and(eq(m.orgId, args.orgId), eq(m.userId, args.userId), superseded))
      .get()) ?? null
  );
}

/**
 * The caller's tenant, created just in time when the `user.created` webhook is late.
 * Race-safe: `INSERT … ON CONFLICT DO NOTHING` then read, in one batch (one round trip,
 * atomic), so concurrent first requests create exactly one row and all read it. The row
 * has `profile_event_at = 0`, so the webhook's profile, whenever it lands, fills it in; an
 * existing row (archived included) is never changed here.
 */
/**
 * The tenant a just-in-time write would have created, not stored: served when D1 refuses the write (full,
 * overloaded), so a valid request never becomes a 5xx; the next request (or the user's webhook) writes it.
 */
export function unsavedUserTenant(args: {
  userId: string;
  now: number;
  email?: string | null;
  name?: string | null;
}): Tenant {
  return {
    id: args.userId,
    kind: 'user',
    name: args.name ?? null,
    email: args.email ?? null,
    slug: null,
    imageUrl: null,
    status: 'active',
    source: 'jit',
    clerkCreatedAt: null,
    createdAt: args.now,
    updatedAt: args.now,
    archivedAt: null,
    profileEventAt: 0,
    lastEventAt: 0,
    reconciledAt: null,
    erasedAt: null,
    erasureStartedAt: null,
  };
}

export async function ensureTenantForUser(
  db: Database,
  args: { userId: string; now: number; email?: string | null; name?: string | null },
): Promise<Tenant> {
  const [, rows] = await db.batch([
    db
      .insert(tenants)
      .values({
        id: args.userId,
        kind: 'user',
        name: args.name ?? null,
        email: args.email ?? null,
        status: 'active',
        source: 'jit',
        createdAt: args.now,
        updatedAt: args.now,
      })
      .onConflictDoNothing({ target: tenants.id }),
    db.select().from(tenants).where(eq(tenants.id, args.userId)),
  ]);
  const tenant = rows[0];
  if (!tenant) throw new Error('ensureTenantForUser: row missing after insert');
  return tenant;
}
