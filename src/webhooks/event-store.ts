import { and, desc, eq, exists, lt, lte, sql } from 'drizzle-orm';
import { bindCompiled, compiled, d1Of } from '../db/compiled-statement';
import type { Database } from '../db/database';
import { keysetPage } from '../db/keyset';
import { webhookEvents, webhookPayloads } from '../db/schema';
import { packPayload, unpackPayload } from './payload-codec';
import { insertFirstPayload } from './payload-store';
import { firstRetryAt, nextRetryAtSql } from './retry-policy';

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type WebhookEventStatus = WebhookEventRow['status'];

/**
 * A verified delivery as it is stored: its record in `webhook_events`, its body in `webhook_payloads`
 * (payload-store.ts). `bodyHash` is the SHA-256 (hex) of `payload`; `userId`/`orgId` are the tenants the
 * payload names (named-tenants.ts), by which erasure finds it.
 */
export type StoredDelivery = {
  svixId: string;
  type: string;
  eventAt: number;
  payload: string;
  bodyHash: string;
  userId: string | null;
  orgId: string | null;
};

/**
 * Rows stored before migration 0004 have no hash: they are taken as matching (and get the hash
 * of the next delivery that finds them not yet done).
 */
const sameBody = sql`(${webhookEvents.bodyHash} is null or ${webhookEvents.bodyHash} = excluded.body_hash)`;

/** Statuses after which a delivery is done: redeliveries are acknowledged as duplicates. */
export type DoneStatus = 'processed' | 'ignored';

/** A stored delivery as replay sees it: its record, and its payload (null once dropped) with whom it names. */
export type StoredEvent = WebhookEventRow & { payload: string | null; userId: string | null; orgId: string | null };

/** Reads a stored delivery's record with its payload row, if it still has one (for replay and scheduled retries). */
export async function getWebhookEvent(db: Database, svixId: string): Promise<StoredEvent | undefined> {
  const row = await db
    .select({ event: webhookEvents, body: webhookPayloads })
    .from(webhookEvents)
    .leftJoin(webhookPayloads, eq(webhookPayloads.svixId, webhookEvents.svixId))
    .where(eq(webhookEvents.svixId, svixId))
    .get();
  if (!row) return undefined;
  const { body } = row;
  const payload = body ? await unpackPayload(body.payload) : null;
  return { ...row.event, payload, userId: body?.userId ?? null, orgId: body?.orgId ?? null };
}

/**
 * Marks a delivery done (`processed` or `ignored`), in the same batch as its effects and right after its payload
 * row (`insertFirstPayload`). A delivery already done keeps its row as it was (attempts, processed time) and, as
 * SQLite's `RETURNING` yields only rows actually inserted or updated, returns nothing.
 */
export function markDone(db: Database, d: StoredDelivery, status: DoneStatus, now: number): D1PreparedStatement {
  return bindCompiled(
    d1Of(db),
    compiled('webhook_events.done', () => markDoneQuery(db)),
    { ...d, status, now },
  );
}

function markDoneQuery(db: Database) {
  const p = sql.placeholder;
  return db
    .insert(webhookEvents)
    .values({
      svixId: p('svixId'),
      type: p('type'),
      eventAt: p('eventAt'),
      bodyHash: p('bodyHash'),
      status: p('status'),
      attempts: 1,
      lastError: null,
      receivedAt: p('now'),
      processedAt: p('now'),
      nextAttemptAt: null,
    })
    .onConflictDoUpdate({
      target: webhookEvents.svixId,
      set: {
        status: sql`excluded.status`,
        attempts: sql`${webhookEvents.attempts} + 1`,
        lastError: null,
        processedAt: sql`excluded.processed_at`,
        nextAttemptAt: null,
        // Setting it is what lets the trigger of migration 0004 compare: another body aborts the batch.
        bodyHash: sql`excluded.body_hash`,
      },
      // Another body is attempted even on a done row, so it is refused rather than taken for a duplicate.
      setWhere: sql`${webhookEvents.status} not in ('processed', 'ignored') or not ${sameBody}`,
    })
    .returning({ svixId: webhookEvents.svixId });
}

/**
 * Records a failed attempt (status, attempts, last error), with the payload row when the delivery is new, in one
 * atomic batch. `retry: false` (the payload can never apply) leaves `next_attempt_at` empty so scheduled retries
 * skip it. Never touches a delivery that is already done.
 */
export async function recordFailure(db: Database, d: StoredDelivery, error: string, now: number, retry: boolean) {
  const next = retry ? nextRetryAtSql(now, sql`coalesce(${webhookEvents.attempts}, 0)`) : sql`null`;
  const record = db
    .insert(webhookEvents)
    .values({
      svixId: d.svixId,
      type: d.type,
      eventAt: d.eventAt,
      bodyHash: d.bodyHash,
      status: 'failed',
      attempts: 1,
      lastError: error.slice(0, 500),
      receivedAt: now,
      nextAttemptAt: retry ? firstRetryAt(now) : null,
    })
    .onConflictDoUpdate({
      target: webhookEvents.svixId,
      set: {
        status: 'failed',
        attempts: sql`${webhookEvents.attempts} + 1`,
        lastError: sql`excluded.last_error`,
        nextAttemptAt: next,
      },
      // A failure of another body under this id never marks the stored event.
      setWhere: sql`${webhookEvents.status} not in ('processed', 'ignored') and ${sameBody}`,
    })
    .toSQL();
  const d1 = d1Of(db);
  const payload = insertFirstPayload(db, { ...d, packed: await packPayload(d.payload) }, now);
  await d1.batch([payload, d1.prepare(record.sql).bind(...record.params)]);
}

/**
 * Records a refused delivery of a known `svix-id` with another body on the stored row (when,
 * how many, the refused body's hash), for the admin webhook list. The stored body is untouched.
 */
export async function recordIdReuse(
  db: Database,
  args: { svixId: string; bodyHash: string; now: number },
): Promise<string | null> {
  const row = await db
    .update(webhookEvents)
    .set({ idReusedAt: args.now, idReuseCount: sql`${webhookEvents.idReuseCount} + 1`, reusedBodyHash: args.bodyHash })
    .where(eq(webhookEvents.svixId, args.svixId))
    .returning({ bodyHash: webhookEvents.bodyHash })
    .get();
  return row?.bodyHash ?? null;
}

/** An event's record without its payload and whom it names: payloads hold personal data and stay in D1. */
export type WebhookEventMeta = typeof webhookEvents.$inferSelect;
export type WebhookPosition = { receivedAt: number; svixId: string };

const meta = {
  svixId: webhookEvents.svixId,
  type: webhookEvents.type,
  eventAt: webhookEvents.eventAt,
  status: webhookEvents.status,
  attempts: webhookEvents.attempts,
  lastError: webhookEvents.lastError,
  receivedAt: webhookEvents.receivedAt,
  processedAt: webhookEvents.processedAt,
  nextAttemptAt: webhookEvents.nextAttemptAt,
  bodyHash: webhookEvents.bodyHash,
  idReusedAt: webhookEvents.idReusedAt,
  idReuseCount: webhookEvents.idReuseCount,
  reusedBodyHash: webhookEvents.reusedBodyHash,
};

/** Webhook events, newest first, optionally by status; keyset-paginated; no payloads. */
export async function listWebhookEvents(
  db: Database,
  args: { status?: WebhookEventStatus | undefined; limit: number; after?: WebhookPosition | undefined },
): Promise<{ rows: WebhookEventMeta[]; next: WebhookPosition | null }> {
  const rows = await db
    .select(meta)
    .from(webhookEvents)
    .where(
      and(
        args.status === undefined ? undefined : eq(webhookEvents.status, args.status),
        args.after === undefined
          ? undefined
          : sql`(${webhookEvents.receivedAt}, ${webhookEvents.svixId})
              < (${args.after.receivedAt}, ${args.after.svixId})`,
      ),
    )
    .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.svixId))
    .limit(args.limit + 1);
  return keysetPage(rows, args.limit, (r) => ({ receivedAt: r.receivedAt, svixId: r.svixId }));
}

/** One event's metadata, or null. */
export async function getWebhookEventMeta(db: Database, args: { svixId: string }): Promise<WebhookEventMeta | null> {
  return (await db.select(meta).from(webhookEvents).where(eq(webhookEvents.svixId, args.svixId)).get()) ?? null;
}

/** Failed events due for a retry (`next_attempt_at` reached), below the attempt cap, oldest due first. */
export async function listDueFailedEvents(
  db: Database,
  args: { now: number; maxAttempts: number; limit: number },
): Promise<WebhookEventMeta[]> {
  return db
    .select(meta)
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.status, 'failed'),
        lt(webhookEvents.attempts, args.maxAttempts),
        // A null next attempt marks a permanent failure (data that can never apply): never due.
        lte(webhookEvents.nextAttemptAt, args.now),
        // A payload dropped by erasure leaves nothing to apply.
        exists(
          db.select({ one: sql`1` }).from(webhookPayloads).where(eq(webhookPayloads.svixId, webhookEvents.svixId)),
        ),
      ),
    )
    .orderBy(sql`coalesce(${webhookEvents.nextAttemptAt}, 0)`, webhookEvents.receivedAt)
    .limit(args.limit);
}

/** Counts a failed attempt that left no record of its own and schedules the next one (same backoff). */
export async function deferFailedEvent(
  db: Database,
  args: { svixId: string; now: number; error: string },
): Promise<void> {
  await db
    .update(webhookEvents)
    .set({
      attempts: sql`${webhookEvents.attempts} + 1`,
      lastError: args.error,
      nextAttemptAt: nextRetryAtSql(args.now, webhookEvents.attempts),
    })
    .where(and(eq(webhookEvents.svixId, args.svixId), eq(webhookEvents.status, 'failed')));
}
