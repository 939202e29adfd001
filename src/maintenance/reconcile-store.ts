import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { tenants } from '../db/schema';

export type ReconciledUser = {
  id: string;
  email: string | null;
  name: string | null;
  imageUrl: string | null;
  clerkCreatedAt: number;
  /** Clerk's `updated_at`: profile fields apply only when newer than what webhooks applied. */
  updatedAt: number;
};

/**
 * Creates a tenant (`source: 'reconcile'`) for each user that webhooks missed and marks
 * every listed user as seen. An existing row's profile changes only when Clerk's
 * `updated_at` is newer than the newest profile event applied (`profile_event_at`), and
 * an archived row is never resurrected: webhook state that is newer always wins. Returns the
 * ids of the tenants it created or whose profile it changed (their cached copies are stale).
 */
export async function upsertReconciledUsers(
  db: Database,
  args: { users: ReconciledUser[]; now: number },
): Promise<string[]> {
  if (args.users.length === 0) return [];
  const newer = sql`${tenants.status} = 'active' and ${tenants.profileEventAt} < excluded.profile_event_at`;
  const pick = (column: string) =>
    sql`case when ${newer} then excluded.${sql.raw(column)} else ${sql.raw(`"tenants"."${column}"`)} end`;
  const statements = args.users.map((u) =>
    db
      .insert(tenants)
      .values({
        id: u.id,
        kind: 'user',
        email: u.email,
        name: u.name,
        imageUrl: u.imageUrl,
        status: 'active',
        source: 'reconcile',
        clerkCreatedAt: u.clerkCreatedAt,
        createdAt: args.now,
        updatedAt: args.now,
        profileEventAt: u.updatedAt,
        reconciledAt: args.now,
      })
      .onConflictDoUpdate({
        target: tenants.id,
        set: {
          email: pick('email'),
          name: pick('name'),
          imageUrl: pick('image_url'),
          updatedAt: sql`case when ${newer} then excluded.updated_at else ${tenants.updatedAt} end`,
          profileEventAt: sql`case when ${newer} then excluded.profile_event_at else ${tenants.profileEventAt} end`,
          reconciledAt: sql`excluded.reconciled_at`,
        },
      })
      // After the upsert, `updated_at = now` exactly when this statement inserted the row or applied the profile.
      .returning({ id: tenants.id, updatedAt: tenants.updatedAt }),
  );
  // ~12 bound parameters per statement (D1 allows 100); the batch is one atomic transaction.
  const [first, ...rest] = statements;
  if (!first) return [];
  const results = await db.batch([first, ...rest]);
  return results.flat().flatMap((row) => (row.updatedAt === args.now ? [row.id] : []));
}

/** Active user tenants a finished sweep did not see, created and last changed before it began. */
export async function listUnseenUserTenants(
  db: Database,
  args: { sweepStartedAt: number; limit: number },
): Promise<{ id: string }[]> {
  return db
    .select({ id: tenants.id })
    .from(tenants)
    .where(
      and(
        eq(tenants.kind, 'user'),
        eq(tenants.status, 'active'),
        or(isNull(tenants.reconciledAt), lt(tenants.reconciledAt, args.sweepStartedAt)),
        lt(tenants.createdAt, args.sweepStartedAt),
        lt(tenants.lastEventAt, args.sweepStartedAt),
      ),
    )
    .orderBy(tenants.id)
    .limit(args.limit);
}

/** Marks a tenant's user as seen in Clerk. */
export async function markReconciled(db: Database, args: { id: string; now: number }): Promise<void> {
  await db.update(tenants).set({ reconciledAt: args.now }).where(eq(tenants.id, args.id));
}

/**
 * Archives a tenant whose Clerk user no longer exists, unless a webhook changed it since
 * the sweep began (`last_event_at`): returns whether it was archived.
 */
export async function archiveMissingUserTenant(
  db: Database,
  args: { id: string; sweepStartedAt: number; now: number },
): Promise<boolean> {
  const res = await db
    .update(tenants)
    .set({ status: 'archived', archivedAt: args.now, updatedAt: args.now, reconciledAt: args.now })
    .where(and(eq(tenants.id, args.id), eq(tenants.status, 'active'), lt(tenants.lastEventAt, args.sweepStartedAt)));
  return (res.meta.changes ?? 0) > 0;
}
