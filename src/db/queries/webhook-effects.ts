import { sql } from 'drizzle-orm';
import type { Database } from '../../env';
import type {
  DailyActiveEffect,
  Effect,
  MembershipEffect,
  SessionEffect,
  TenantArchiveEffect,
  TenantProfileEffect,
} from '../../webhooks/effects';
import { dailyActiveUsers, loginAudits, organizationMemberships, tenants } from '../schema';

/**
 * Effects ⇒ conditional upserts (`INSERT … ON CONFLICT DO UPDATE … WHERE`). Each one is a
 * join over the row's state: an older event never overwrites newer state, a tombstone is
 * never lifted, and re-applying an event leaves the row untouched (the `WHERE` is false, so
 * not even `updated_at` moves). That makes delivery order and duplicates irrelevant.
 * SQLite evaluates every `SET` expression against the row as it was before the update.
 */

/** Profile fields, last writer wins by `profile_event_at`; status (a tombstone) untouched. */
export function upsertTenantProfile(db: Database, e: TenantProfileEffect, now: number) {
  return db
    .insert(tenants)
    .values({
      id: e.id,
      kind: e.tenantKind,
      name: e.name,
      email: e.email,
      slug: e.slug,
      imageUrl: e.imageUrl,
      status: 'active',
      source: 'webhook',
      clerkCreatedAt: e.clerkCreatedAt,
      createdAt: now,
      updatedAt: now,
      profileEventAt: e.at,
      lastEventAt: e.at,
    })
    .onConflictDoUpdate({
      target: tenants.id,
      set: {
        name: sql`excluded.name`,
        email: sql`excluded.email`,
        slug: sql`excluded.slug`,
        imageUrl: sql`excluded.image_url`,
        clerkCreatedAt: sql`excluded.clerk_created_at`,
        profileEventAt: sql`excluded.profile_event_at`,
        lastEventAt: sql`max(${tenants.lastEventAt}, excluded.last_event_at)`,
        updatedAt: sql`excluded.updated_at`,
      },
      // Newer wins. At the same millisecond (Clerk's samples stamp created and updated alike)
      // an update beats a create, and only if it changes something, so re-applying is a no-op.
      setWhere: sql`excluded.profile_event_at > ${tenants.profileEventAt} or (${e.isUpdate ? sql`1` : sql`0`}
        and excluded.profile_event_at = ${tenants.profileEventAt}
        and (${tenants.name} is not excluded.name or ${tenants.email} is not excluded.email
          or ${tenants.slug} is not excluded.slug or ${tenants.imageUrl} is not excluded.image_url))`,
    });
}

/**
 * Archive: a sticky tombstone. `archived_at` is the earliest delete event seen, so it does
 * not depend on which delivery of several arrived first. Profile fields are kept.
 */
export function archiveTenant(db: Database, e: TenantArchiveEffect, now: number) {
  return db
    .insert(tenants)
    .values({
      id: e.id,
      kind: e.tenantKind,
      status: 'archived',
      source: 'webhook',
      createdAt: now,
      updatedAt: now,
      archivedAt: e.at,
      lastEventAt: e.at,
    })
    .onConflictDoUpdate({
      target: tenants.id,
      set: {
        status: 'archived',
        archivedAt: sql`min(coalesce(${tenants.archivedAt}, excluded.archived_at), excluded.archived_at)`,
        lastEventAt: sql`max(${tenants.lastEventAt}, excluded.last_event_at)`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`${tenants.status} <> 'archived' or ${tenants.archivedAt} is null
        or excluded.archived_at < ${tenants.archivedAt} or excluded.last_event_at > ${tenants.lastEventAt}`,
    });
}

// Terminal statuses outrank pending/active: a late `session.created` cannot reopen an ended
// session. Within a rank the newest event wins; equal times fall back to the status name
// so even a tie resolves the same way in every order.
const rank = (status: unknown) => sql`(${status} in ('ended', 'removed', 'revoked'))`;
const newerStatus = sql`(${rank(sql`excluded.status`)}, excluded.last_event_at, excluded.status)
  > (${rank(loginAudits.status)}, ${loginAudits.lastEventAt}, ${loginAudits.status})`;

// IP and user agent: from the newest `session.created` (the only event that carries them).
const newerClient = sql`excluded.client_event_at > ${loginAudits.clientEventAt}`;

/**
 * The login audit for a session (tenant = the user's tenant, known yet or not). Status and
 * `ended_at` follow the winning event; IP and user agent come only from `session.created`.
 */
export function recordLoginAudit(db: Database, e: SessionEffect) {
  const terminal = e.status === 'ended' || e.status === 'removed' || e.status === 'revoked';
  return db
    .insert(loginAudits)
    .values({
      sessionId: e.sessionId,
      tenantId: e.userId,
      userId: e.userId,
      status: e.status,
      ip: e.ip,
      userAgent: e.userAgent,
      createdAt: e.createdAt,
      endedAt: terminal ? e.at : null,
      lastEventAt: e.at,
      clientEventAt: e.ip !== null || e.userAgent !== null ? e.at : 0,
    })
    .onConflictDoUpdate({
      target: loginAudits.sessionId,
      set: {
        status: sql`case when ${newerStatus} then excluded.status else ${loginAudits.status} end`,
        endedAt: sql`case when ${newerStatus} then excluded.ended_at else ${loginAudits.endedAt} end`,
        lastEventAt: sql`case when ${newerStatus} then excluded.last_event_at else ${loginAudits.lastEventAt} end`,
        ip: sql`case when ${newerClient} then excluded.ip else ${loginAudits.ip} end`,
        userAgent: sql`case when ${newerClient} then excluded.user_agent else ${loginAudits.userAgent} end`,
        clientEventAt: sql`max(${loginAudits.clientEventAt}, excluded.client_event_at)`,
        createdAt: sql`min(${loginAudits.createdAt}, excluded.created_at)`,
      },
    });
}

/** The MAU rollup: one row per (UTC day, user), written as sessions arrive. */
export function markDailyActive(db: Database, e: DailyActiveEffect) {
  return db.insert(dailyActiveUsers).values({ day: e.day, userId: e.userId }).onConflictDoNothing();
}

/** Membership: role/permissions last writer wins (deletes carry them too); delete is sticky. */
export function upsertMembership(db: Database, e: MembershipEffect, now: number) {
  const m = organizationMemberships;
  return db
    .insert(m)
    .values({
      id: e.id,
      orgId: e.orgId,
      userId: e.userId,
      role: e.role,
      permissions: e.permissions,
      status: e.deleted ? 'deleted' : 'active',
      createdAt: e.createdAt,
      updatedAt: now,
      deletedAt: e.deleted ? e.at : null,
      lastEventAt: e.at,
    })
    .onConflictDoUpdate({
      target: m.id,
      set: {
        role: sql`case when excluded.last_event_at > ${m.lastEventAt} then excluded.role else ${m.role} end`,
        permissions: sql`case when excluded.last_event_at > ${m.lastEventAt} then excluded.permissions else ${m.permissions} end`,
        status: sql`case when excluded.status = 'deleted' then 'deleted' else ${m.status} end`,
        deletedAt: sql`min(coalesce(${m.deletedAt}, excluded.deleted_at), coalesce(excluded.deleted_at, ${m.deletedAt}))`,
        createdAt: sql`min(${m.createdAt}, excluded.created_at)`,
        lastEventAt: sql`max(${m.lastEventAt}, excluded.last_event_at)`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`excluded.last_event_at > ${m.lastEventAt} or excluded.created_at < ${m.createdAt}
        or (excluded.status = 'deleted' and (${m.deletedAt} is null or excluded.deleted_at < ${m.deletedAt}))`,
    });
}

/** One effect ⇒ one statement for the event's `db.batch()`. */
export function effectStatement(db: Database, effect: Effect, now: number) {
  switch (effect.kind) {
    case 'tenant.profile':
      return upsertTenantProfile(db, effect, now);
    case 'tenant.archive':
      return archiveTenant(db, effect, now);
    case 'session':
      return recordLoginAudit(db, effect);
    case 'daily_active':
      return markDailyActive(db, effect);
    case 'membership':
      return upsertMembership(db, effect, now);
  }
}
