import { d1Of } from '../db/compiled-statement';
import type { Database } from '../db/database';
import { log } from '../lib/log';
import { tenantCache } from '../tenants/tenant-cache';
import { type ClerkEvent, parseClerkEvent } from './clerk-event';
import { effectStatement } from './effect-statements';
import { InvalidEventData } from './effects';
import { getWebhookEvent, markDone, recordFailure, type StoredDelivery } from './event-store';
import { foldEvent } from './fold-event';

export type ProcessOutcome = 'processed' | 'ignored' | 'duplicate';

/** Why a delivery could not be applied: bad data (permanent) or storage (retry). */
export class ProcessingError extends Error {
  constructor(
    readonly kind: 'invalid_data' | 'storage',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProcessingError';
  }
}

/**
 * Applies one verified delivery: `[mark done, …effects]` in ONE atomic `db.batch()` (one
 * D1 round trip). Every effect is an idempotent join (see effect-statements.ts), so the
 * duplicate check can ride in the same batch: a redelivery re-runs statements that change
 * nothing, `mark done` leaves a done row as it was and returns nothing, which is how we
 * know it was a duplicate. That also makes two concurrent deliveries of one `svix-id`
 * harmless.
 *
 * On failure nothing of the batch is written; the failure is recorded (status `failed`,
 * attempts, last error) when storage still works, and a `ProcessingError` is thrown.
 */
export async function processEvent(db: Database, delivery: StoredDelivery, event: ClerkEvent, now: number): Promise<ProcessOutcome> {
  let effects: ReturnType<typeof foldEvent>;
  try {
    effects = foldEvent(event, delivery.eventAt);
  } catch (err) {
    if (!(err instanceof InvalidEventData)) throw err;
    await recordFailureSafely(db, delivery, err.message, now, false);
    throw new ProcessingError('invalid_data', err.message, { cause: err });
  }

  let results: D1Result[];
  try {
    const statements = [
      markDone(db, delivery, effects ? 'processed' : 'ignored', now),
      ...(effects ?? []).map((e) => effectStatement(db, e, now)),
    ];
    results = await d1Of(db).batch(statements);
  } catch (err) {
    await recordFailureSafely(db, delivery, errorText(err), now, true);
    throw new ProcessingError('storage', 'storage failed while applying the event', { cause: err });
  }
  // `markDone` returns its row only when it inserted or updated it, i.e. unless the
  // delivery was already done: an empty result is a duplicate.
  if ((results[0]?.results.length ?? 0) === 0) return 'duplicate';
  // This isolate's cached tenant rows are now stale; other isolates' expire within the TTL.
  for (const e of effects ?? []) if (e.kind === 'tenant.profile' || e.kind === 'tenant.archive') tenantCache.delete(e.id);
  return effects ? 'processed' : 'ignored';
}

/**
 * Re-applies a stored delivery by `svix-id` with the same idempotency rules (a delivery
 * already done is a `duplicate`). For the admin replay endpoint and scheduled retries.
 */
export async function processStoredEvent(db: Database, svixId: string, now: number): Promise<ProcessOutcome | 'not_found'> {
  const row = await getWebhookEvent(db, svixId);
  if (!row) return 'not_found';
  const delivery: StoredDelivery = { svixId: row.svixId, type: row.type, eventAt: row.eventAt, payload: row.payload };
  const parsed = parseClerkEvent(row.payload);
  if (!parsed.ok) {
    await recordFailureSafely(db, delivery, parsed.reason, now, false);
    throw new ProcessingError('invalid_data', parsed.reason);
  }
  return processEvent(db, delivery, parsed.event, now);
}

function errorText(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}

/** Records a failure; if storage is down too, logs it (Svix still retries on our 5xx). */
async function recordFailureSafely(db: Database, d: StoredDelivery, error: string, now: number, retry: boolean) {
  try {
    await recordFailure(db, d, error, now, retry);
  } catch (err) {
    log('error', 'webhook.record_failure_failed', { svixId: d.svixId, type: d.type, error: err });
  }
}
