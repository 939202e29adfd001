import { and, desc, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../../env';
import { webhookEvents } from '../schema';

export type WebhookEventStatus = (typeof webhookEvents.$inferSelect)['status'];
/** An event without its payload: payloads hold personal data and stay in D1. */
export type WebhookEventMeta = Omit<typeof webhookEvents.$inferSelect, 'payload'>;
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
          : sql`(${webhookEvents.receivedAt}, ${webhookEvents.svixId}) < (${args.after.receivedAt}, ${args.after.svixId})`,
      ),
    )
    .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.svixId))
    .limit(args.limit + 1);
  const page = rows.slice(0, args.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > args.limit && last ? { receivedAt: last.receivedAt, svixId: last.svixId } : null };
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
        or(isNull(webhookEvents.nextAttemptAt), lte(webhookEvents.nextAttemptAt, args.now)),
      ),
    )
    .orderBy(sql`coalesce(${webhookEvents.nextAttemptAt}, 0)`, webhookEvents.receivedAt)
    .limit(args.limit);
}

/**
 * Counts one retry of a stored event and schedules the next one when it failed again:
 * exponential backoff `baseMs · 2^(attempts-1)`, capped at `maxDelayMs`.
 */
export async function recordRetryOutcome(
  db: Database,
  args: { svixId: string; failed: boolean; now: number; baseMs: number; maxDelayMs: number },
): Promise<void> {
  const event = await getWebhookEventMeta(db, { svixId: args.svixId });
  if (!event) return;
  const attempts = event.attempts + 1;
  const delay = Math.min(args.maxDelayMs, args.baseMs * 2 ** Math.min(30, attempts - 1));
  await db
    .update(webhookEvents)
    .set({ attempts, nextAttemptAt: args.failed ? args.now + delay : null })
    .where(eq(webhookEvents.svixId, args.svixId));
}
