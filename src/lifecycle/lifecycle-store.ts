import { and, asc, eq, getTableColumns, inArray, lt, notInArray, sql } from 'drizzle-orm';
import { d1Of } from '../db/compiled-statement';
import type { Database } from '../db/database';
import { jobState, loginAudits, webhookEvents, webhookPayloads } from '../db/schema';
import { type PackedPayload, unpackPayload } from '../webhooks/payload-codec';

/**
 * The lifecycle job's D1 statements. Every one touches at most `limit` rows (≤ 1,000: D1's advice for
 * deletes, and a bounded hold on its single writer), picked oldest first through an index.
 */

const DONE = ['processed', 'ignored'] as const;

/** A JSON array of ids as ONE bound parameter (D1 allows 100 per statement; a batch holds 1,000). */
const idsIn = (column: unknown, ids: readonly string[]) =>
  sql`${column} in (select value from json_each(${JSON.stringify(ids)}))`;

/**
 * `status in ('processed', 'ignored')` that the planner cannot answer from `webhook_events_status_idx` (the
 * unary `+`). Without it SQLite (no statistics) starts from that index: every done record in the retention window,
 * read and sorted for each statement, which then holds D1's writer for a time growing with the table (~0.1-0.4 s
 * per 200 payloads at 50k-200k records, measured on SQLite); with it the walk starts at the oldest payloads
 * (`webhook_payloads_received_idx`) and stops after `limit`.
 */
const isDone = sql`+${webhookEvents.status} in ('processed', 'ignored')`;

/** Ids of done events' payload rows received before `cutoff`, oldest first, at most `limit`. */
export function duePayloads(db: Database, args: { cutoff: number; limit: number }) {
  const p = webhookPayloads;
  return db
    .select({ id: p.svixId })
    .from(p)
    .innerJoin(webhookEvents, eq(webhookEvents.svixId, p.svixId))
    .where(and(lt(p.receivedAt, args.cutoff), isDone))
    .orderBy(asc(p.receivedAt))
    .limit(args.limit);
}

/**
 * Deletes the payload rows of done events received before `cutoff` (whole rows: their pages go back to the free
 * list and new payloads reuse them); their records stay. Returns how many.
 */
export async function dropDonePayloads(db: Database, args: { cutoff: number; limit: number }): Promise<number> {
  const p = webhookPayloads;
  const res = await db.delete(p).where(inArray(p.svixId, duePayloads(db, args)));
  return res.meta.changes ?? 0;
}

const hasPayload = sql`exists (select 1 from ${webhookPayloads} where ${webhookPayloads.svixId} = ${webhookEvents.svixId})`;

/**
 * Deletes records received before `cutoff` that hold nothing to archive: done events (with their payload row,
 * should one be left), and failed ones whose payload is already gone (erasure). Failed events with a payload are
 * archived first (selectDueFailedEvents). One atomic batch; returns how many records.
 */
export async function deleteSpentRecords(db: Database, args: { cutoff: number; limit: number }): Promise<number> {
  const due = await db
    .select({ id: webhookEvents.svixId })
    .from(webhookEvents)
    .where(
      and(
        lt(webhookEvents.receivedAt, args.cutoff),
        sql`(${inArray(webhookEvents.status, [...DONE])} or not ${hasPayload})`,
      ),
    )
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(args.limit);
  if (due.length === 0) return 0;
  const [, res] = await db.batch(
    deleteEventsByIds(
      db,
      due.map((r) => r.id),
    ),
  );
  return res.meta.changes ?? 0;
}

export type LoginAuditRow = typeof loginAudits.$inferSelect;

/**
 * A stored event's record with its payload row (an inner join: only events that still hold one), the payload
 * as the raw body's text (decompressed: payload-codec.ts).
 */
export type WebhookEventRow = typeof webhookEvents.$inferSelect &
  Pick<typeof webhookPayloads.$inferSelect, 'userId' | 'orgId'> & { payload: string };

/** Rows of `selectEventsWithPayload`, each payload decompressed to the text Clerk signed. */
export async function withPayloadText<R extends { payload: PackedPayload }>(
  rows: Promise<R[]>,
): Promise<(Omit<R, 'payload'> & { payload: string })[]> {
  return Promise.all((await rows).map(async (r) => ({ ...r, payload: await unpackPayload(r.payload) })));
}

/** Records joined with their payload rows (the failed-event archive, erasure; read through withPayloadText). */
export function selectEventsWithPayload(db: Database) {
  return db
    .select({
      ...getTableColumns(webhookEvents),
      payload: webhookPayloads.payload,
      userId: webhookPayloads.userId,
      orgId: webhookPayloads.orgId,
    })
    .from(webhookEvents)
    .innerJoin(webhookPayloads, eq(webhookPayloads.svixId, webhookEvents.svixId));
}

/** Failed (or never finished) events received before `cutoff` that still hold a payload: archived, then deleted. */
export function selectDueFailedEvents(db: Database, args: { cutoff: number; limit: number }) {
  return withPayloadText(
    selectEventsWithPayload(db)
      .where(and(lt(webhookEvents.receivedAt, args.cutoff), notInArray(webhookEvents.status, [...DONE])))
      .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.svixId))
      .limit(args.limit),
  );
}

export function selectEventsByIds(db: Database, ids: readonly string[]) {
  return withPayloadText(selectEventsWithPayload(db).where(idsIn(webhookEvents.svixId, ids)));
}

/** Records and their payload rows, by id (one atomic batch's statements). */
export function deleteEventsByIds(db: Database, ids: readonly string[]) {
  return [
    db.delete(webhookPayloads).where(idsIn(webhookPayloads.svixId, ids)),
    db.delete(webhookEvents).where(idsIn(webhookEvents.svixId, ids)),
  ] as const;
}

/** Login audits created before `cutoff`, oldest first (index `login_audits_created_idx`). */
export function selectDueAudits(db: Database, args: { cutoff: number; limit: number }) {
  return db
    .select()
    .from(loginAudits)
    .where(lt(loginAudits.createdAt, args.cutoff))
    .orderBy(asc(loginAudits.createdAt), asc(loginAudits.sessionId))
    .limit(args.limit);
}

export function selectAuditsByIds(db: Database, ids: readonly string[]) {
  return db.select().from(loginAudits).where(idsIn(loginAudits.sessionId, ids));
}

export function deleteAuditsByIds(db: Database, ids: readonly string[]) {
  return db.delete(loginAudits).where(idsIn(loginAudits.sessionId, ids));
}

/** `job_state` name of the day before which `daily_active_users` has been pruned (migration 0011's trigger). */
export const DAILY_ACTIVE_PRUNED_BEFORE = 'daily_active_pruned_before';

/**
 * Deletes the per-user-per-day MAU rollup rows (`daily_active_users`) older than `beforeDay`. The per-day counts
 * (`daily_active_counts`, one row a day) and `user_last_active` (one row per user: the last and first active
 * days) are kept: the first active day is what Monthly Retained Users compares against, and a user who comes back
 * after months is retained (Clerk's rule), which a pruned row would count as a new sign-up. In the same batch, and
 * first, the pruned horizon only moves forward: from then on migration 0011's trigger refuses a row for a pruned
 * day, which the rollup would otherwise count twice. Returns rows deleted.
 */
export async function deleteOldDailyActive(
  db: Database,
  args: { beforeDay: string; limit: number; now: number },
): Promise<number> {
  const d1 = d1Of(db);
  const [, deleted] = await d1.batch([
    d1
      .prepare(
        'insert into job_state (name, value, updated_at) values (?1, json_quote(?2), ?3) on conflict (name) do ' +
          "update set value = json_quote(max(json_extract(value, '$'), ?2)), updated_at = ?3",
      )
      .bind(DAILY_ACTIVE_PRUNED_BEFORE, args.beforeDay, args.now),
    d1
      .prepare(
        // A WITHOUT ROWID table (migration 0010): rows are picked by their primary key, in its order.
        'delete from daily_active_users where (day, user_id) in ' +
          '(select day, user_id from daily_active_users where day < ?1 order by day, user_id limit ?2)',
      )
      .bind(args.beforeDay, args.limit),
  ]);
  return deleted?.meta.changes ?? 0;
}

/** Payload rows due (readiness's count), walked like duePayloads: `+e.status` keeps the status index out. */
export const DUE_PAYLOADS_SQL =
  'select 1 from webhook_payloads p join webhook_events e on e.svix_id = p.svix_id ' +
  "where p.received_at < ? and +e.status in ('processed', 'ignored')";

/** How many rows are still due (counted up to `cap`, through the same indexes): readiness's `pending`. */
export async function countDue(
  db: Database,
  args: { payloadCutoff: number; recordCutoff: number; auditCutoff: number; cap: number },
): Promise<number> {
  const d1 = d1Of(db);
  const bounded = (select: string, ...params: unknown[]) =>
    d1.prepare(`select count(*) as n from (${select} limit ?)`).bind(...params, args.cap);
  const results = await d1.batch<{ n: number }>([
    bounded(DUE_PAYLOADS_SQL, args.payloadCutoff),
    bounded('select 1 from webhook_events where received_at < ?', args.recordCutoff),
    bounded('select 1 from login_audits where created_at < ?', args.auditCutoff),
  ]);
  return results.reduce((sum, r) => sum + Number(r.results[0]?.n ?? 0), 0);
}

/** Removes a job-state entry (in the same atomic batch as the deletes it guarded). */
export function clearJobState(db: Database, name: string) {
  return db.delete(jobState).where(eq(jobState.name, name));
}
