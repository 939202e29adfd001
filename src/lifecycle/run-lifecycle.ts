import type { Database } from '../db/database';
import { writeJobState } from '../db/job-state';
import { type Config, problemsFor } from '../env';
import { log } from '../lib/log';
import { cutoffsAt, RETENTION_NAMES, type Retention } from '../lib/retention';
import { DAILY_ACTIVE_KEEP_DAYS } from '../lib/usage-window';
import { DAY_MS, utcDay } from '../lib/utc-day';
import { ArchiveError, type ArchiveRule, archiveRows, type BatchRule, resumePendingBatch } from './archive-batch';
import { expireArchive } from './archive-expiry';
import { auditRule, failedEventRule } from './archive-rules';
import { eraseDeletedTenants, pendingErasureFinish } from './erase-tenants';
import { erasureRule } from './erasure-rule';
import {
  countDue,
  deleteOldDailyActive,
  deleteSpentRecords,
  dropDonePayloads,
  selectDueAudits,
  selectDueFailedEvents,
} from './lifecycle-store';
import { type DrainLimits, drainInTurns, type PaceClock, type Pacing, PLATFORM_CLOCK, pacer } from './pacing';

/**
 * Per-run bounds. Every delete statement touches at most `batchRows` rows, every archive batch `archiveRows`
 * (its cost is its R2 objects, one per tenant in the batch); the rules take turns, a batch each, each pausing
 * `pauseRatio` × its own duration after it, until the run's `budgetMs` (counted from the run's start, erasure
 * included) is spent (pacing.ts); `batchesPerRule` and `batchesPerRun` cap the batches even if the clock never
 * moved: a batch is at most three D1 queries, so 150 keep a run near 500 of the 1,000 D1 allows per Worker
 * invocation (erasure and the status included), the rest left to the cron's other jobs. Measured in
 * `npm run bench -- lifecycle` (webhook latency with and without a purge) and sized in docs/SCALING.md.
 */
export type LifecycleLimits = DrainLimits & Pacing & { archiveRows: number; listPagesPerRun: number };
export const DEFAULT_LIFECYCLE_LIMITS: LifecycleLimits = {
  batchRows: 200,
  archiveRows: 10,
  batchesPerRule: 150,
  batchesPerRun: 150,
  budgetMs: 180_000,
  pauseRatio: 9,
  listPagesPerRun: 5,
};

export type LifecycleReport = {
  /** Rows written to ARCHIVE (and then removed from D1). */
  archived: number;
  /** Rows or payloads removed from D1, and objects expired from ARCHIVE. */
  deleted: number;
  /** Rows still due when the run's budget ran out (counted up to 10,000 per rule; 0: caught up). */
  pending: number;
  detail: Record<string, number>;
  /** Why part of the run stopped (`r2_failed`, `d1_failed`); the next run retries it. */
  error?: string;
};

export type LifecycleStatus = LifecycleReport & { lastRunAt: number; skipped?: 'misconfigured'; problems?: string[] };

/** job_state entry read by readiness (`checks.storage.lifecycle`). */
export const LIFECYCLE_STATUS_JOB = 'lifecycle.status';

export type LifecycleDeps = {
  db: Database;
  bucket: R2Bucket;
  config: Config;
  now: number;
  limits?: Partial<LifecycleLimits>;
  /** The pacing's clock and pause (tests give a fake one). */
  clock?: PaceClock;
  /** Tenants erasure scrubbed (the composition root drops their cached copies). */
  onTenantsChanged?: (ids: readonly string[]) => void;
};

/** A step archiving the rows `select` picks (at most `limit`), then deleting them from D1. */
function archiveStep<Row>(deps: LifecycleDeps, rule: ArchiveRule<Row>, select: (limit: number) => Promise<Row[]>) {
  return async (limit: number) => archiveRows(deps.db, deps.bucket, rule, await select(limit), deps.now);
}

/**
 * One bounded run of the data lifecycle (the cron, its `scheduledTime` as `now`). Nothing is deleted while
 * any RETAIN_* setting is invalid. Order: finish a half-done batch, erase deleted tenants, then in paced turns
 * (pacing.ts) drop payloads, archive failed events, delete spent records, archive audits and trim MAU rows;
 * last, expire archived objects.
 */
export async function runLifecycle(deps: LifecycleDeps): Promise<LifecycleStatus> {
  const { db, config, now } = deps;
  const limits = { ...DEFAULT_LIFECYCLE_LIMITS, ...deps.limits };
  const problems = problemsFor(config, RETENTION_NAMES);
  if (problems.length > 0) {
    const status: LifecycleStatus = {
      lastRunAt: now,
      skipped: 'misconfigured',
      problems: [...new Set(problems.map((p) => p.name))],
      archived: 0,
      deleted: 0,
      pending: 0,
      detail: {},
    };
    await writeJobState(db, { name: LIFECYCLE_STATUS_JOB, value: status, now });
    return status;
  }
  const cut = cutoffsAt(config as Retention, now);
  const detail: Record<string, number> = {};
  let backlog = false;
  let error: string | undefined;
  const rules = [auditRule, failedEventRule, erasureRule] as unknown as BatchRule<unknown>[];
  // The run's time budget starts now: the resumed batch and erasure count against it too.
  const pace = pacer(limits, deps.clock ?? PLATFORM_CLOCK);
  try {
    // A last erasure pass left half done by an earlier run erases its tenant when it completes here.
    const finishing = await pendingErasureFinish(db);
    detail.resumed = await resumePendingBatch(db, deps.bucket, rules);
    if (finishing) deps.onTenantsChanged?.([finishing]);
    // Erasure first: a deleted user's personal data leaves D1 by the next run, whatever else is due.
    const erasure = await eraseDeletedTenants(db, deps.bucket, now, undefined, deps.onTenantsChanged);
    Object.assign(detail, { tenantsErased: erasure.erased + (finishing ? 1 : 0), erasureRows: erasure.archivedRows });
    backlog = erasure.backlog;
    const beforeDay = utcDay(now - DAILY_ACTIVE_KEEP_DAYS * DAY_MS);
    const drained = await drainInTurns(
      {
        payloadsDropped: (limit) => dropDonePayloads(db, { cutoff: cut.payload, limit }),
        failedEventsArchived: archiveStep(deps, failedEventRule, (limit) =>
          selectDueFailedEvents(db, { cutoff: cut.record, limit }),
        ),
        recordsDeleted: (limit) => deleteSpentRecords(db, { cutoff: cut.record, limit }),
        auditsArchived: archiveStep(deps, auditRule, (limit) => selectDueAudits(db, { cutoff: cut.auditHot, limit })),
        dailyActiveDeleted: (limit) => deleteOldDailyActive(db, { beforeDay, limit, now }),
      },
      limits,
      pace,
      { failedEventsArchived: limits.archiveRows, auditsArchived: limits.archiveRows },
    );
    Object.assign(detail, drained.totals);
    backlog ||= drained.backlog;
    detail.objectsExpired = await expireArchive(db, deps.bucket, {
      beforeDay: utcDay(cut.auditArchive),
      deletedBeforeDay: utcDay(cut.deletedTenant),
      pages: limits.listPagesPerRun,
      now,
    });
  } catch (err) {
    // Nothing was deleted that was not written first (archive-batch.ts); the next run goes on from here.
    error = err instanceof ArchiveError ? 'r2_failed' : 'd1_failed';
    log('error', 'lifecycle.failed', { error: err, stage: error });
  }
  const pending =
    backlog || error !== undefined
      ? await countDue(db, {
          payloadCutoff: cut.payload,
          recordCutoff: cut.record,
          auditCutoff: cut.auditHot,
          cap: 10_000,
        }).catch(() => -1)
      : 0;
  const n = (k: string) => detail[k] ?? 0;
  const status: LifecycleStatus = {
    lastRunAt: now,
    archived: n('resumed') + n('failedEventsArchived') + n('auditsArchived') + n('erasureRows'),
    deleted: n('payloadsDropped') + n('recordsDeleted') + n('dailyActiveDeleted') + n('objectsExpired'),
    pending,
    detail,
    ...(error === undefined ? {} : { error }),
  };
  await writeJobState(db, { name: LIFECYCLE_STATUS_JOB, value: status, now });
  return status;
}
