import { d1Of } from '../db/compiled-statement';
import type { Database } from '../db/database';
import { log } from '../lib/log';
import type { DenyEntry } from '../revocation/deny-rule';
import { type ClerkEvent, parseClerkEvent } from './clerk-event';
import { effectStatement } from './effect-statements';
import { InvalidEventData } from './effects';
import { getWebhookEvent, markDone, recordFailure, recordIdReuse, type StoredDelivery } from './event-store';
import { foldEvent } from './fold-event';
import { foldRevocation } from './fold-revocation';
import { namedTenants } from './named-tenants';
import { packPayload } from './payload-codec';
import { insertFirstPayload } from './payload-store';

export type ProcessOutcome = 'processed' | 'ignored' | 'duplicate';

/** What processing tells the rest of the service (wired by the composition root). */
export type ProcessHooks = {
  /** Tenants an applied event created, changed or archived (their cached copies are stale). */
  onTenantsChanged?: (ids: readonly string[]) => void;
  /**
   * Writes deny entries to the revocation store (`REVOCATIONS`); throws when it cannot. Absent: the
   * event's revocations are logged and skipped (no binding).
   */
  revoke?: RevokeFn;
};

/** Writes deny entries durably (idempotent: entries are joined by max time), or throws. */
export type RevokeFn = (entries: readonly DenyEntry[]) => Promise<void>;

/** A verified delivery before it is stored (its body hash and the tenants it names are computed here). */
export type IncomingDelivery = Omit<StoredDelivery, 'bodyHash' | 'userId' | 'orgId'>;

/**
 * Why a delivery could not be applied: bad data or an effect that would cross entities
 * (permanent), storage (retry), or a known `svix-id` with another body (refused, nothing stored).
 */
export class ProcessingError extends Error {
  constructor(
    readonly kind: 'invalid_data' | 'storage' | 'id_reused',
    message: string,
    options?: { cause?: unknown; hashes?: { stored: string | null; received: string } },
  ) {
    super(message, options);
    this.name = 'ProcessingError';
    this.hashes = options?.hashes;
  }
  readonly hashes: { stored: string | null; received: string } | undefined;
}

/** SHA-256 (hex) of a raw body: what binds a `svix-id` to its body. */
export async function bodyHash(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The abort messages of migration 0004's triggers (`RAISE(ABORT, 'fulcrum:…')`). */
function refusedBy(err: unknown): 'svix_id_reused' | `entity_mismatch:${string}` | null {
  const text = errorText(err);
  const m = /fulcrum:(svix_id_reused|entity_mismatch:[a-z_]+)/.exec(text);
  return (m?.[1] as 'svix_id_reused' | `entity_mismatch:${string}` | undefined) ?? null;
}

/** Where `markDone` sits in the delivery's batch (after the payload row). */
const MARK_DONE = 1;

/**
 * Applies one verified delivery: `[payload row, mark done, …effects]` in ONE atomic `db.batch()` (one
 * D1 round trip; the payload row only on the first sighting of its `svix-id`, payload-store.ts). Every effect is an idempotent join (see effect-statements.ts), so the
 * duplicate check can ride in the same batch: a redelivery re-runs statements that change
 * nothing, `mark done` leaves a done row as it was and returns nothing, which is how we
 * know it was a duplicate. That also makes two concurrent deliveries of one `svix-id`
 * harmless.
 *
 * On failure nothing of the batch is written; the failure is recorded (status `failed`,
 * attempts, last error) when storage still works, and a `ProcessingError` is thrown.
 */
export async function processEvent(
  db: Database,
  incoming: IncomingDelivery,
  event: ClerkEvent,
  now: number,
  hooks: ProcessHooks = {},
): Promise<ProcessOutcome> {
  const delivery: StoredDelivery = {
    ...incoming,
    bodyHash: await bodyHash(incoming.payload),
    ...namedTenants(event),
  };
  let effects: ReturnType<typeof foldEvent>;
  let revocations: DenyEntry[];
  try {
    effects = foldEvent(event, delivery.eventAt);
    revocations = foldRevocation(event, delivery.eventAt);
  } catch (err) {
    if (!(err instanceof InvalidEventData)) throw err;
    await recordFailureSafely(db, delivery, err.message, now, false);
    throw new ProcessingError('invalid_data', err.message, { cause: err });
  }

  // Revocations first, then D1 (docs/revocation.md). The deny store is written before the batch that marks the
  // event done: if the write fails, nothing is applied and the event is recorded failed (5xx, Svix retries;
  // the cron retries too); if the batch fails after it, the retry writes the same entries again (a join, so
  // nothing changes). The other order could mark an event done whose revocation was never written. A
  // redelivered duplicate writes them again, as cheap and as harmless.
  if (revocations.length > 0) {
    if (hooks.revoke) {
      try {
        await hooks.revoke(revocations);
      } catch (err) {
        await recordFailureSafely(db, delivery, `revocation store: ${errorText(err)}`, now, true);
        throw new ProcessingError('storage', 'the revocation store failed', { cause: err });
      }
    } else log('error', 'webhook.revocation_skipped', { svixId: delivery.svixId, type: delivery.type });
  }

  // Compressed once, for the payload row (written only if the svix-id is new: payload-store.ts).
  const packed = await packPayload(delivery.payload);
  let results: D1Result[];
  try {
    const statements = [
      insertFirstPayload(db, { ...delivery, packed }, now),
      markDone(db, delivery, effects ? 'processed' : 'ignored', now),
      ...(effects ?? []).map((e) => effectStatement(db, e, now)),
    ];
    results = await d1Of(db).batch(statements);
  } catch (err) {
    const refused = refusedBy(err);
    if (refused === 'svix_id_reused') {
      // Svix never sends another body under one id: a bug upstream or someone holding the
      // secret. Nothing of this body was applied (the batch aborted at its first statement).
      const stored = await recordIdReuse(db, { svixId: delivery.svixId, bodyHash: delivery.bodyHash, now }).catch(
        () => null,
      );
      log('error', 'webhook.id_reused', {
        svixId: delivery.svixId,
        type: delivery.type,
        storedHash: stored,
        receivedHash: delivery.bodyHash,
      });
      throw new ProcessingError('id_reused', 'svix-id already stored with another body', {
        cause: err,
        hashes: { stored, received: delivery.bodyHash },
      });
    }
    if (refused) {
      // An effect would rewrite another entity's row: refused for good, recorded with the reason.
      await recordFailureSafely(db, delivery, refused, now, false);
      throw new ProcessingError('invalid_data', refused, { cause: err });
    }
    await recordFailureSafely(db, delivery, errorText(err), now, true);
    throw new ProcessingError('storage', 'storage failed while applying the event', { cause: err });
  }
  // `markDone` (the batch's second statement) returns its row only when it inserted or updated it, i.e. unless
  // the delivery was already done: an empty result is a duplicate.
  if ((results[MARK_DONE]?.results.length ?? 0) === 0) return 'duplicate';
  // This isolate's cached tenant rows are now stale; other isolates' expire within the TTL.
  const changed = (effects ?? []).flatMap((e) =>
    e.kind === 'tenant.profile' || e.kind === 'tenant.archive' ? [e.id] : [],
  );
  if (changed.length > 0) hooks.onTenantsChanged?.(changed);
  return effects ? 'processed' : 'ignored';
}

/**
 * Re-applies a stored delivery by `svix-id` with the same idempotency rules (a delivery
 * already done is a `duplicate`). For the admin replay endpoint and scheduled retries.
 */
export async function processStoredEvent(
  db: Database,
  svixId: string,
  now: number,
  hooks: ProcessHooks = {},
): Promise<ProcessOutcome | 'not_found' | 'gone'> {
  const row = await getWebhookEvent(db, svixId);
  if (!row) return 'not_found';
  // Its payload row deleted by retention (RETAIN_WEBHOOK_PAYLOAD_DAYS) or erasure: nothing left to apply.
  if (row.payload === null) return 'gone';
  const delivery: IncomingDelivery = { svixId: row.svixId, type: row.type, eventAt: row.eventAt, payload: row.payload };
  const parsed = parseClerkEvent(row.payload);
  if (!parsed.ok) {
    // The stored hash, not one of the text read back: a damaged payload reads as a stand-in (payload-codec.ts), whose
    // hash would not match and so would leave the record untouched, due again on every cron run.
    const stored = {
      ...delivery,
      bodyHash: row.bodyHash ?? (await bodyHash(row.payload)),
      userId: row.userId,
      orgId: row.orgId,
    };
    await recordFailureSafely(db, stored, parsed.error, now, false);
    throw new ProcessingError('invalid_data', parsed.error);
  }
  return processEvent(db, delivery, parsed.value, now, hooks);
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
