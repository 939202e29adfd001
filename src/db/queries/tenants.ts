import { and, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../env';
import { organizationMemberships, tenants } from '../schema';

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
export async function searchTenants(db: Database, args: SearchTenantsArgs): Promise<{ rows: Tenant[]; next: TenantPosition | null }> {
  const q = args.q?.trim();
  // Email prefix as a range on lower(email): LIKE would treat `%`/`_` in the query as wildcards.
  const prefix = q?.toLowerCase();
  const rows = await db
    .select()
    .from(tenants)
    .where(
      and(
        q && prefix
          ? or(eq(tenants.id, q), and(gte(sql`lower(${tenants.email})`, prefix), lt(sql`lower(${tenants.email})`, `${prefix}\u{10ffff}`)))
          : undefined,
        args.status === undefined ? undefined : eq(tenants.status, args.status),
        args.after === undefined ? undefined : sql`(${tenants.createdAt}, ${tenants.id}) < (${args.after.createdAt}, ${args.after.id})`,
      ),
    )
    .orderBy(desc(tenants.createdAt), desc(tenants.id))
    .limit(args.limit + 1);
  const page = rows.slice(0, args.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > args.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}

export type OrgMember = { userId: string; role: string | null; createdAt: number };

/** An organization's active members (tombstoned memberships excluded), grouped by role. */
export async function listActiveOrgMembers(db: Database, args: { orgId: string; limit?: number }): Promise<OrgMember[]> {
  return db
    .select({ userId: organizationMemberships.userId, role: organizationMemberships.role, createdAt: organizationMemberships.createdAt })
    .from(organizationMemberships)
    .where(and(eq(organizationMemberships.orgId, args.orgId), eq(organizationMemberships.status, 'active')))
    .orderBy(organizationMemberships.role, organizationMemberships.userId)
    .limit(args.limit ?? 500);
}
