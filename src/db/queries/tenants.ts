import { eq } from 'drizzle-orm';
import type { Database } from '../../env';
import { tenants } from '../schema';

export type Tenant = typeof tenants.$inferSelect;

/** A tenant by id (Clerk user or organization id). */
export async function getTenant(db: Database, id: string): Promise<Tenant | undefined> {
  return db.select().from(tenants).where(eq(tenants.id, id)).get();
}

/**
 * The caller's tenant, created just in time when the `user.created` webhook is late.
 * Race-safe: `INSERT … ON CONFLICT DO NOTHING` then read, in one batch (one round trip,
 * atomic), so concurrent first requests create exactly one row and all read it. The row
 * has `profile_event_at = 0`, so the webhook's profile, whenever it lands, fills it in; an
 * existing row (archived included) is never changed here.
 */
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
