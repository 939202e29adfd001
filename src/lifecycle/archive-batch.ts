import type { BatchItem } from 'drizzle-orm/batch';
import type { Database } from '../db/database';
import { readJobState, writeJobState } from '../db/job-state';
import { clearJobState } from './lifecycle-store';
import { gzipNdjson } from './ndjson-gzip';

/** One planned archive object: its key and the ids of the rows it holds. */
export type PlannedObject = { key: string; ids: string[] };

/**
 * A batch written to R2 but not yet deleted from D1, saved before the first write (a write-ahead record).
 * `context` is the rule's own (JSON), handed back to `deleteByIds` when the batch completes.
 */
export type PendingBatch = { rule: string; objects: PlannedObject[]; context?: unknown };

/** How rows of one kind are re-read, written and removed once a plan exists. */
export type BatchRule<Row> = {
  name: string;
  idOf: (row: Row) => string;
  record: (row: Row) => unknown;
  selectByIds: (db: Database, ids: readonly string[]) => Promise<Row[]>;
  /** The statements removing the archived rows (run with the plan's clearing, in one atomic batch). */
  deleteByIds: (db: Database, ids: readonly string[], context: unknown) => BatchItem<'sqlite'>[];
};

/** How one kind of row leaves D1 for the archive: a BatchRule that plans its own objects. */
export type ArchiveRule<Row> = BatchRule<Row> & {
  /** Rows → objects, deterministic (the same rows give the same keys). */
  plan: (rows: readonly Row[]) => PlannedObject[];
};

export const PENDING_BATCH_JOB = 'lifecycle.pending';

/** An R2 call failed (the run reports `r2_failed`; nothing it guarded was deleted). */
export class ArchiveError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`archive ${operation} failed`, { cause });
    this.name = 'ArchiveError';
  }
}

/** Runs an R2 call, turning its failure into an ArchiveError. */
export async function onArchive<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new ArchiveError(operation, err);
  }
}

/** Parallel R2 writes per batch (a Worker keeps at most six connections open at once). */
const PUT_CONCURRENCY = 6;

/**
 * Export-then-delete, idempotent and resumable. 1. the plan (keys and row ids) is saved in `job_state`;
 * 2. every object is written to R2; 3. the rows are deleted from D1 and the plan cleared in ONE atomic
 * batch. A crash or an R2 failure before 3 leaves the rows in D1 and the plan saved: the next run writes
 * the same rows under the same keys again (an overwrite, never a second copy), then deletes. A crash
 * after 3 left nothing to redo. So no row is lost (deleted only once written) or duplicated (one key).
 */
export async function archiveRows<Row>(
  db: Database,
  bucket: R2Bucket,
  rule: ArchiveRule<Row>,
  rows: readonly Row[],
  now: number,
): Promise<number> {
  if (rows.length === 0) return 0;
  return archivePlanned(db, bucket, rule, { rule: rule.name, objects: rule.plan(rows) }, rows, now);
}

/** The same three steps for a plan made by the caller (erasure plans per tenant, with a context). */
export async function archivePlanned<Row>(
  db: Database,
  bucket: R2Bucket,
  rule: BatchRule<Row>,
  pending: PendingBatch,
  rows: readonly Row[],
  now: number,
): Promise<number> {
  await writeJobState(db, { name: PENDING_BATCH_JOB, value: pending, now });
  return completeBatch(db, bucket, rule, pending, rows);
}

/** Finishes a batch a previous run left half done (its rows re-read by id); returns rows archived. */
export async function resumePendingBatch(
  db: Database,
  bucket: R2Bucket,
  rules: readonly BatchRule<unknown>[],
): Promise<number> {
  const pending = await readJobState<PendingBatch>(db, { name: PENDING_BATCH_JOB });
  if (!pending) return 0;
  const rule = rules.find((r) => r.name === pending.rule);
  if (!rule || !Array.isArray(pending.objects)) {
    await clearJobState(db, PENDING_BATCH_JOB);
    return 0;
  }
  const ids = pending.objects.flatMap((o) => o.ids);
  const rows: unknown[] = [];
  for (let i = 0; i < ids.length; i += 1000) rows.push(...(await rule.selectByIds(db, ids.slice(i, i + 1000))));
  return completeBatch(db, bucket, rule, pending, rows);
}

async function completeBatch<Row>(
  db: Database,
  bucket: R2Bucket,
  rule: BatchRule<Row>,
  pending: PendingBatch,
  rows: readonly Row[],
): Promise<number> {
  const byId = new Map(rows.map((r) => [rule.idOf(r), r]));
  const present = pending.objects
    .map((o) => ({ key: o.key, rows: o.ids.flatMap((id) => (byId.has(id) ? [byId.get(id) as Row] : [])) }))
    .filter((o) => o.rows.length > 0);
  for (let i = 0; i < present.length; i += PUT_CONCURRENCY) {
    await Promise.all(
      present.slice(i, i + PUT_CONCURRENCY).map(async (o) => {
        const body = await gzipNdjson(o.rows.map(rule.record));
        await onArchive('put', () =>
          bucket.put(o.key, body, {
            httpMetadata: { contentType: 'application/gzip' },
            customMetadata: { rows: String(o.rows.length), format: 'ndjson' },
          }),
        );
      }),
    );
  }
  // An object may be planned twice (an event naming a user and an organization is archived under both).
  const ids = [...new Set(present.flatMap((o) => o.rows.map(rule.idOf)))];
  const statements =
    ids.length === 0 && pending.context === undefined ? [] : rule.deleteByIds(db, ids, pending.context);
  await db.batch([clearJobState(db, PENDING_BATCH_JOB), ...statements]);
  return ids.length;
}
