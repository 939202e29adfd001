import { sql } from 'drizzle-orm';
import { bindCompiled, compiled, d1Of } from '../db/compiled-statement';
import type { Database } from '../db/database';
import { dailyActiveUsers, loginAudits, organizationMemberships, tenants } from '../db/schema';
import type {
  DailyActiveEffect,
  Effect,
  MembershipEffect,
  SessionEffect,
  TenantArchiveEffect,
  TenantProfileEffect,
} from './effects';

const p = sql.placeholder;

/**
 * Effects ⇒ conditional upserts (`INSERT … ON CONFLICT DO UPDATE … WHERE`). Each one is a
 * join over the row's state: an older event never overwrites newer state, a tombstone is
 * never lifted, and re-applying an event leaves the row untouched (the `WHERE` is false, so
 * not even `updated_at` moves). That makes delivery order and duplicates irrelevant.
 * SQLite evaluates every `SET` expression against the row as it was before the update.
 *
 * Each query is written in Drizzle with named placeholders and compiled to SQL once per
 * isolate (`compiled-statement.ts`); a webhook only binds values.
 */

/**
 * An event for one kind of tenant naming the id of the other kind: the update is attempted (not
 * skipped by the `WHERE`) so the kind trigger refuses it loudly instead of it vanishing silently.
 */
const crossesKind = sql`excluded.kind is not ${tenants.kind}`;

/**
 * One of the named tenants is being or has been erased (src/lifecycle/): nothing personal about it is
 * written again, however new the event (the insert path is guarded by migration 0008's triggers).
 */
const namesErased = (...ids: string[]) =>
  sql.raw(`exists (select 1 from tenants as erasing where erasing.id in (${ids.join(', ')})
    and (erasing.erased_at is not null or erasing.erasure_started_at is not null))`);

/** Profile fields, last writer wins by `profile_event_at`; status (a tombstone) untouched. */
export function upsertTenantProfile(db: Database, e: TenantProfileEffect, now: number) {
  const { isUpdate, kind: _, tenantKind, ...values } = e;
  return bindCompiled(
    d1Of(db),
    compiled('tenant.profile', () => tenantProfileQuery(db)),
    {
      ...values,
      tenantKind,
      now,
      isUpdate: isUpdate ? 1 : 0,
    },
  );
}

function tenantProfileQuery(db: Database) {
  return db
    .insert(tenants)
    .values({
      id: p('id'),
      kind: p('tenantKind'),
      name: p('name'),
      email: p('email'),
      slug: p('slug'),
      imageUrl: p('imageUrl'),
      status: 'active',
      source: 'webhook',
      clerkCreatedAt: p('clerkCreatedAt'),
      createdAt: p('now'),
      updatedAt: p('now'),
      profileEventAt: p('at'),
      lastEventAt: p('at'),
    })
    .onConflictDoUpdate({
      target: tenants.id,
      set: {
        // Never changes: a trigger (migration 0004) aborts the batch when the kinds differ.
        kind: sql`excluded.kind`,
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
      // An erased tenant (src/lifecycle/) never takes a profile again, however new the event.
      setWhere: sql`${crossesKind} or (${tenants.erasedAt} is null and ${tenants.erasureStartedAt} is null and (
        excluded.profile_event_at > ${tenants.profileEventAt} or (${p('isUpdate')} = 1
        and excluded.profile_event_at = ${tenants.profileEventAt}
        and (${tenants.name} is not excluded.name or ${tenants.email} is not excluded.email
          or ${tenants.slug} is not excluded.slug or ${tenants.imageUrl} is not excluded.image_url))))`,
    });
}

/**
 * Archive: a sticky tombstone. `archived_at` is the earliest delete event seen, so it does
 * not depend on which delivery of several arrived first. Profile fields are kept.
 */
export function archiveTenant(db: Database, e: TenantArchiveEffect, now: number) {
  return bindCompiled(
    d1Of(db),
    compiled('tenant.archive', () => archiveTenantQuery(db)),
    {
      id: e.id,
      tenantKind: e.tenantKind,
      at: e.at,
      now,
    },
  );
}

function archiveTenantQuery(db: Database) {
  return db
    .insert(tenants)
    .values({
      id: p('id'),
      kind: p('tenantKind'),
      status: 'archived',
      source: 'webhook',
      createdAt: p('now'),
      updatedAt: p('now'),
      archivedAt: p('at'),
      lastEventAt: p('at'),
    })
    .onConflictDoUpdate({
      target: tenants.id,
      set: {
        kind: sql`excluded.kind`,
        status: 'archived',
        archivedAt: sql`min(coalesce(${tenants.archivedAt}, excluded.archived_at), excluded.archived_at)`,
        lastEventAt: sql`max(${tenants.lastEventAt}, excluded.last_event_at)`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`${crossesKind} or ${tenants.status} <> 'archived' or ${tenants.archivedAt} is null
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
  return bindCompiled(
    d1Of(db),
    compiled('login_audit', () => loginAuditQuery(db)),
    {
      sessionId: e.sessionId,
      userId: e.userId,
      status: e.status,
      ip: e.ip,
      userAgent: e.userAgent,
      createdAt: e.createdAt,
      endedAt: terminal ? e.at : null,
      at: e.at,
      clientEventAt: e.ip !== null || e.userAgent !== null ? e.at : 0,
    },
  );
}

function loginAuditQuery(db: Database) {
  return db
    .insert(loginAudits)
    .values({
      sessionId: p('sessionId'),
      tenantId: p('userId'),
      userId: p('userId'),
      status: p('status'),
      ip: p('ip'),
      userAgent: p('userAgent'),
      createdAt: p('createdAt'),
      endedAt: p('endedAt'),
      lastEventAt: p('at'),
      clientEventAt: p('clientEventAt'),
    })
    .onConflictDoUpdate({
      target: loginAudits.sessionId,
      set: {
        // Never changes: a trigger (migration 0004) aborts the batch for an event naming another user.
        userId: sql`excluded.user_id`,
        tenantId: sql`excluded.tenant_id`,
        status: sql`case when ${newerStatus} then excluded.status else ${loginAudits.status} end`,
        endedAt: sql`case when ${newerStatus} then excluded.ended_at else ${loginAudits.endedAt} end`,
        lastEventAt: sql`case when ${newerStatus} then excluded.last_event_at else ${loginAudits.lastEventAt} end`,
        ip: sql`case when ${newerClient} then excluded.ip else ${loginAudits.ip} end`,
        userAgent: sql`case when ${newerClient} then excluded.user_agent else ${loginAudits.userAgent} end`,
        clientEventAt: sql`max(${loginAudits.clientEventAt}, excluded.client_event_at)`,
        createdAt: sql`min(${loginAudits.createdAt}, excluded.created_at)`,
      },
      // An audit of a tenant being erased is not updated (its archived copy stays the last word); an event
      // naming another user is still attempted, so the trigger refuses it.
      setWhere: sql`excluded.user_id is not ${loginAudits.userId} or not ${namesErased('excluded.tenant_id')}`,
    });
}

/** The MAU rollup: one row per (UTC day, user), written as sessions arrive. */
export function markDailyActive(db: Database, e: DailyActiveEffect) {
  return bindCompiled(
    d1Of(db),
    compiled('daily_active', () =>
      db
        .insert(dailyActiveUsers)
        .values({ day: p('day'), userId: p('userId') })
        .onConflictDoNothing(),
    ),
    { day: e.day, userId: e.userId },
  );
}

/** Membership: role/permissions last writer wins (deletes carry them too); delete is sticky. */
export function upsertMembership(db: Database, e: MembershipEffect, now: number) {
  return bindCompiled(
    d1Of(db),
    compiled('membership', () => membershipQuery(db)),
    {
      id: e.id,
      orgId: e.orgId,
      userId: e.userId,
      role: e.role,
      permissions: e.permissions,
      status: e.deleted ? 'deleted' : 'active',
      createdAt: e.createdAt,
      now,
      deletedAt: e.deleted ? e.at : null,
      at: e.at,
    },
  );
}

function membershipQuery(db: Database) {
  const m = organizationMemberships;
  return db
    .insert(m)
    .values({
      id: p('id'),
      orgId: p('orgId'),
      userId: p('userId'),
      role: p('role'),
      permissions: p('permissions'),
      status: p('status'),
      createdAt: p('createdAt'),
      updatedAt: p('now'),
      deletedAt: p('deletedAt'),
      lastEventAt: p('at'),
    })
    .onConflictDoUpdate({
      target: m.id,
      set: {
        // Never change: a trigger (migration 0004) aborts the batch for another (org, user) pair.
        orgId: sql`excluded.org_id`,
        userId: sql`excluded.user_id`,
        role: sql`case when excluded.last_event_at > ${m.lastEventAt} then excluded.role else ${m.role} end`,
        permissions: sql`case when excluded.last_event_at > ${m.lastEventAt}
          then excluded.permissions else ${m.permissions} end`,
        status: sql`case when excluded.status = 'deleted' then 'deleted' else ${m.status} end`,
        deletedAt: sql`min(coalesce(${m.deletedAt}, excluded.deleted_at),
          coalesce(excluded.deleted_at, ${m.deletedAt}))`,
        createdAt: sql`min(${m.createdAt}, excluded.created_at)`,
        lastEventAt: sql`max(${m.lastEventAt}, excluded.last_event_at)`,
        updatedAt: sql`excluded.updated_at`,
      },
      // A late event for an erased user or organization never puts a role or permissions back on its tombstone.
      setWhere: sql`excluded.org_id is not ${m.orgId} or excluded.user_id is not ${m.userId}
        or (not ${namesErased('excluded.org_id', 'excluded.user_id')} and (
        excluded.last_event_at > ${m.lastEventAt} or excluded.created_at < ${m.createdAt}
        or (excluded.status = 'deleted' and (${m.deletedAt} is null or excluded.deleted_at < ${m.deletedAt}))))`,
    });
}

/** One effect ⇒ one bound D1 statement for the event's batch. */
export function effectStatement(db: Database, effect: Effect, now: number): D1PreparedStatement {
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
