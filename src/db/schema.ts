import { sql } from 'drizzle-orm';
import { customType, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * All times are integer milliseconds since the epoch. Rows that webhooks fold into
 * remember the newest event time applied (`*_event_at`) so an older, late event
 * never overwrites newer state (Svix delivers in no guaranteed order).
 */

/** One tenant per Clerk user (kind `user`) or organization (kind `organization`); id is Clerk's id. */
export const tenants = sqliteTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['user', 'organization'] }).notNull(),
    name: text('name'),
    email: text('email'),
    slug: text('slug'),
    imageUrl: text('image_url'),
    status: text('status', { enum: ['active', 'archived'] })
      .notNull()
      .default('active'),
    /** How the row first came to exist: a webhook, just in time from a token, or reconciliation. */
    source: text('source', { enum: ['webhook', 'jit', 'reconcile'] }).notNull(),
    clerkCreatedAt: integer('clerk_created_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    archivedAt: integer('archived_at'),
    /** Newest event time applied to the profile fields (created/updated). */
    profileEventAt: integer('profile_event_at').notNull().default(0),
    /** Newest event time applied to anything on the row. */
    lastEventAt: integer('last_event_at').notNull().default(0),
    /** When scheduled reconciliation last saw this user in Clerk's Backend API. */
    reconciledAt: integer('reconciled_at'),
    /**
     * When the lifecycle job archived this deleted tenant's data to R2 and removed its personal data from D1
     * (src/lifecycle/): the row then keeps only id, kind, status, source and event times.
     */
    erasedAt: integer('erased_at'),
    /**
     * When erasure began (set before its first read): from then on nothing personal about the tenant is
     * written (the profile upsert's guard, the membership and audit upserts' guards, migration 0008's triggers).
     */
    erasureStartedAt: integer('erasure_started_at'),
  },
  (t) => [
    index('tenants_status_created_idx').on(t.status, t.createdAt, t.id),
    index('tenants_email_idx').on(t.email),
    // The erasure queue: archived tenants not yet erased (a handful at any time).
    index('tenants_erase_queue_idx').on(t.archivedAt).where(sql`${t.status} = 'archived' and ${t.erasedAt} is null`),
  ],
);

/** Clerk organization memberships; deletes are tombstones (`status = deleted`). */
export const organizationMemberships = sqliteTable(
  'organization_memberships',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    role: text('role'),
    permissions: text('permissions', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    status: text('status', { enum: ['active', 'deleted'] })
      .notNull()
      .default('active'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    deletedAt: integer('deleted_at'),
    lastEventAt: integer('last_event_at').notNull().default(0),
  },
  (t) => [index('memberships_org_idx').on(t.orgId, t.status, t.role), index('memberships_user_idx').on(t.userId)],
);

/** One row per Clerk session: the login audit. */
export const loginAudits = sqliteTable(
  'login_audits',
  {
    sessionId: text('session_id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    status: text('status').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: integer('created_at').notNull(),
    endedAt: integer('ended_at'),
    /** Newest event time applied to status/endedAt. */
    lastEventAt: integer('last_event_at').notNull().default(0),
    /** Time of the `session.created` event that supplied ip/userAgent (0: none yet). */
    clientEventAt: integer('client_event_at').notNull().default(0),
  },
  (t) => [
    index('login_audits_tenant_created_idx').on(t.tenantId, t.createdAt, t.sessionId),
    index('login_audits_created_idx').on(t.createdAt),
  ],
);

/**
 * Distinct active users per UTC day: the MAU rollup, kept current as sessions arrive. A WITHOUT ROWID table
 * (migration 0010, which drizzle-kit does not model): each row is stored once, in its primary key's order, with no
 * rowid and no second copy in an index (about a third of the bytes: docs/SCALING.md).
 */
export const dailyActiveUsers = sqliteTable(
  'daily_active_users',
  {
    day: text('day').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId] })],
);

/**
 * Rollups of `daily_active_users`, maintained by an AFTER INSERT trigger (migration
 * 0003) so every writer keeps them exact: users active per UTC day, and each user's last
 * active day. MAU is then an index range count, not a scan of the window.
 */
export const dailyActiveCounts = sqliteTable('daily_active_counts', {
  day: text('day').primaryKey(),
  users: integer('users').notNull(),
});

export const userLastActive = sqliteTable(
  'user_last_active',
  {
    userId: text('user_id').primaryKey(),
    lastDay: text('last_day').notNull(),
    /** The user's first active day: their sign-up day for Monthly Retained Users (migration 0007). */
    firstDay: text('first_day'),
  },
  (t) => [index('user_last_active_day_idx').on(t.lastDay)],
);

/**
 * MAU and MRU as of each past UTC day (`day` the window's last day), each computed once by the cron after the
 * day ended: the 90-day usage history (today is always answered live).
 */
export const usageSnapshots = sqliteTable('usage_snapshots', {
  day: text('day').primaryKey(),
  mau: integer('mau').notNull(),
  mru: integer('mru').notNull(),
  computedAt: integer('computed_at').notNull(),
});

/**
 * Every verified webhook delivery, by `svix-id`: the dedup record (about 150 bytes) that order-tolerance and
 * duplicates need. The raw body lives apart, in `webhook_payloads`, so that dropping it at
 * RETAIN_WEBHOOK_PAYLOAD_DAYS deletes a whole row and gives its pages back (migration 0009).
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    svixId: text('svix_id').primaryKey(),
    type: text('type').notNull(),
    eventAt: integer('event_at').notNull(),
    status: text('status', { enum: ['received', 'processed', 'failed', 'ignored'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
    nextAttemptAt: integer('next_attempt_at'),
    /**
     * SHA-256 (hex) of the raw body first stored under this `svix-id`: a later delivery of the
     * id with another body is refused (409; a trigger of migration 0004 aborts its batch).
     * Null only for rows stored before that migration.
     */
    bodyHash: text('body_hash'),
    /** The last refused delivery of this id with another body: when, how many so far, its hash. */
    idReusedAt: integer('id_reused_at'),
    idReuseCount: integer('id_reuse_count').notNull().default(0),
    reusedBodyHash: text('reused_body_hash'),
  },
  (t) => [
    index('webhook_events_status_idx').on(t.status, t.nextAttemptAt),
    index('webhook_events_received_idx').on(t.receivedAt),
  ],
);

/**
 * A stored webhook body (src/webhooks/payload-codec.ts): gzip bytes, a BLOB, or for rows migration 0009 moved, the
 * JSON as text. Declared `text` as 0009 created it: SQLite's TEXT affinity stores a BLOB unchanged. D1 hands a
 * BLOB back as an ArrayBuffer (older runtimes: an array of byte values).
 */
const storedBody = customType<{ data: string | Uint8Array; driverData: string | Uint8Array | ArrayBuffer | number[] }>({
  dataType: () => 'text',
  fromDriver: (v) =>
    typeof v === 'string' || v instanceof Uint8Array
      ? v
      : v instanceof ArrayBuffer
        ? new Uint8Array(v)
        : Uint8Array.from(v),
});

/**
 * The raw body of a stored delivery (personal data: names, emails, IPs), written in the same atomic batch as its
 * record the first time the `svix-id` is seen, and DELETED (the whole row) by retention
 * (RETAIN_WEBHOOK_PAYLOAD_DAYS, done events), with a failed event's archive, or by erasure. An event without a
 * payload row has nothing left to replay (410 `gone`).
 */
export const webhookPayloads = sqliteTable(
  'webhook_payloads',
  {
    svixId: text('svix_id').primaryKey(),
    payload: storedBody('payload').notNull(),
    /** The user and organization the payload names (erasure finds a deleted tenant's payloads by them). */
    userId: text('user_id'),
    orgId: text('org_id'),
    /** When the payload was stored (its event's `received_at`): retention drops the oldest first. */
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [
    index('webhook_payloads_received_idx').on(t.receivedAt),
    index('webhook_payloads_user_idx').on(t.userId).where(sql`${t.userId} is not null`),
    index('webhook_payloads_org_idx').on(t.orgId).where(sql`${t.orgId} is not null`),
  ],
);

/** Small key/value state for scheduled jobs (e.g. the reconciliation cursor). */
export const jobState = sqliteTable('job_state', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
