import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/database';
import { loginAudits, organizationMemberships, tenants, webhookEvents, webhookPayloads } from '../db/schema';
import { selectEventsWithPayload, withPayloadText } from './lifecycle-store';

/** The D1 side of erasure: what a deleted tenant still has, and the statements that remove it. */

export type TenantRow = typeof tenants.$inferSelect;

/** Archived tenants not erased yet, oldest deletion first (partial index `tenants_erase_queue_idx`). */
export function listErasureQueue(db: Database, args: { limit: number }) {
  return db
    .select()
    .from(tenants)
    .where(and(eq(tenants.status, 'archived'), isNull(tenants.erasedAt)))
    .orderBy(asc(tenants.archivedAt), asc(tenants.id))
    .limit(args.limit);
}

/** The tenant's login audits (a user's; an organization has none of its own). */
export function selectTenantAudits(db: Database, args: { tenantId: string; limit: number }) {
  return db
    .select()
    .from(loginAudits)
    .where(eq(loginAudits.tenantId, args.tenantId))
    .orderBy(asc(loginAudits.createdAt), asc(loginAudits.sessionId))
    .limit(args.limit);
}

const stillSays = sql`(${organizationMemberships.status} = 'active' or ${organizationMemberships.role} is not null
  or ${organizationMemberships.permissions} <> '[]')`;

/** Memberships naming the tenant that still say something (a role, permissions, or active). */
export function selectTenantMemberships(db: Database, args: { tenant: TenantRow; limit: number }) {
  const m = organizationMemberships;
  const naming = args.tenant.kind === 'user' ? eq(m.userId, args.tenant.id) : eq(m.orgId, args.tenant.id);
  return db.select().from(m).where(and(naming, stillSays)).orderBy(asc(m.id)).limit(args.limit);
}

/** Stored payloads naming the tenant, with their records (partial indexes on `webhook_payloads` user_id / org_id). */
export function selectTenantPayloads(db: Database, args: { tenant: TenantRow; limit: number }) {
  const p = webhookPayloads;
  return withPayloadText(
    selectEventsWithPayload(db)
      .where(args.tenant.kind === 'user' ? eq(p.userId, args.tenant.id) : eq(p.orgId, args.tenant.id))
      .orderBy(asc(p.svixId))
      .limit(args.limit),
  );
}

const idsIn = (column: unknown, ids: readonly string[]) =>
  sql`${column} in (select value from json_each(${JSON.stringify(ids)}))`;

/**
 * The fence: erasure has begun. Set before erasure reads anything, so every row naming the tenant that D1
 * accepted earlier is seen by the reads that follow, and every later write naming it keeps nothing personal
 * (migration 0008's triggers, the upserts' guards). Returns the tenant as it is now.
 */
export async function startErasure(db: Database, args: { tenantId: string; now: number }) {
  const [, rows] = await db.batch([
    db
      .update(tenants)
      .set({ erasureStartedAt: args.now })
      .where(and(eq(tenants.id, args.tenantId), isNull(tenants.erasureStartedAt))),
    db.select().from(tenants).where(eq(tenants.id, args.tenantId)),
  ]);
  return rows[0];
}

export const selectAuditsByIds = (db: Database, ids: readonly string[]) =>
  db.select().from(loginAudits).where(idsIn(loginAudits.sessionId, ids));
export const selectMembershipsByIds = (db: Database, ids: readonly string[]) =>
  db.select().from(organizationMemberships).where(idsIn(organizationMemberships.id, ids));
export const selectPayloadsByIds = (db: Database, ids: readonly string[]) =>
  withPayloadText(selectEventsWithPayload(db).where(idsIn(webhookPayloads.svixId, ids)));

export type ErasedTenant = { id: string; kind: TenantRow['kind'] };

const tombstone = (now: number) => ({
  status: 'deleted' as const,
  role: null,
  permissions: [],
  deletedAt: sql`coalesce(${organizationMemberships.deletedAt}, ${now})`,
});

/**
 * The statements that remove what was just archived, for one atomic batch: the rows by id, and, on the last
 * pass (`finish`), also every row still naming the tenant, by predicate. Behind the fence (`startErasure`) the
 * predicate can only match rows this pass read and archived: nothing personal survives the batch, and nothing
 * is deleted that was not written to R2 first.
 */
export function erasureStatements(
  db: Database,
  args: { auditIds: string[]; membershipIds: string[]; svixIds: string[]; finish: ErasedTenant | null; now: number },
): BatchItem<'sqlite'>[] {
  const out: BatchItem<'sqlite'>[] = [];
  const m = organizationMemberships;
  const w = webhookEvents;
  const p = webhookPayloads;
  if (args.auditIds.length > 0) out.push(db.delete(loginAudits).where(idsIn(loginAudits.sessionId, args.auditIds)));
  if (args.membershipIds.length > 0)
    out.push(db.update(m).set(tombstone(args.now)).where(idsIn(m.id, args.membershipIds)));
  if (args.svixIds.length > 0)
    out.push(
      db.delete(p).where(idsIn(p.svixId, args.svixIds)),
      // A failed event left without its payload has nothing to retry.
      db.update(w).set({ nextAttemptAt: null }).where(idsIn(w.svixId, args.svixIds)),
    );
  const t = args.finish;
  if (t) {
    const isUser = t.kind === 'user';
    if (isUser) out.push(db.delete(loginAudits).where(eq(loginAudits.tenantId, t.id)));
    out.push(
      db
        .update(m)
        .set(tombstone(args.now))
        .where(and(isUser ? eq(m.userId, t.id) : eq(m.orgId, t.id), stillSays)),
      db.delete(p).where(isUser ? eq(p.userId, t.id) : eq(p.orgId, t.id)),
      // Only what order-tolerance needs stays: id, kind, status, source and the event times.
      db
        .update(tenants)
        .set({ name: null, email: null, slug: null, imageUrl: null, erasedAt: args.now, updatedAt: args.now })
        .where(and(eq(tenants.id, t.id), isNull(tenants.erasedAt), eq(tenants.status, 'archived'))),
    );
  }
  return out;
}

/** One tenant as D1 has it now (the export and tests read it). */
export async function getTenantRow(db: Database, id: string): Promise<TenantRow | undefined> {
  return db.select().from(tenants).where(eq(tenants.id, id)).get();
}

/** Memberships naming a tenant (by user or organization), for the export. */
export function selectMembershipsOf(db: Database, args: { tenant: TenantRow }) {
  const m = organizationMemberships;
  return db
    .select()
    .from(m)
    .where(args.tenant.kind === 'user' ? eq(m.userId, args.tenant.id) : or(eq(m.orgId, args.tenant.id)))
    .orderBy(asc(m.id));
}
