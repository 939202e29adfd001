import { openDatabase } from '../db/database';
import { readJobState } from '../db/job-state';
import type { CheckStatus, ReadinessCheck } from '../health/health-routes';
import { iso } from '../lib/schemas';
import { LIFECYCLE_STATUS_JOB, type LifecycleStatus } from './run-lifecycle';

/** D1's per-database cap: 10 GB, which Cloudflare does not raise (counted as 10^10 bytes, the lower reading). */
export const D1_CAP_BYTES = 10_000_000_000;
/** `degraded` (still 200) from here, `fail` (503) from here: time to act before D1 refuses writes. */
export const STORAGE_DEGRADED_RATIO = 0.7;
export const STORAGE_FAIL_RATIO = 0.9;

/** The storage status a used ratio and the lifecycle job's last error give (pure). */
export function storageStatus(usedRatio: number, lastError: string | null): CheckStatus {
  if (usedRatio >= STORAGE_FAIL_RATIO) return 'fail';
  if (usedRatio >= STORAGE_DEGRADED_RATIO || lastError !== null) return 'degraded';
  return 'ok';
}

/**
 * Readiness `checks.storage`: `{ status, d1: { sizeBytes, capBytes, usedRatio }, lifecycle: { lastRunAt,
 * lastError, archived, deleted, pending } }`. D1 reports the database's size in every result's
 * `meta.size_after`; the lifecycle figures are the last cron run's (`job_state`), read in the same query.
 */
export const storageCheck: ReadinessCheck = {
  name: 'storage',
  run: async (c) => {
    const db = openDatabase(c.env.DB);
    const probe = await c.env.DB.prepare('select 1').run();
    const sizeBytes = Number(probe.meta.size_after ?? 0);
    const usedRatio = Math.round((sizeBytes / D1_CAP_BYTES) * 10_000) / 10_000;
    const last = await readJobState<LifecycleStatus>(db, { name: LIFECYCLE_STATUS_JOB });
    const lastError = last ? (last.error ?? (last.skipped === 'misconfigured' ? 'misconfigured' : null)) : null;
    return {
      status: storageStatus(usedRatio, lastError),
      d1: { sizeBytes, capBytes: D1_CAP_BYTES, usedRatio },
      lifecycle: {
        lastRunAt: last ? iso(last.lastRunAt) : null,
        lastError,
        archived: last?.archived ?? 0,
        deleted: last?.deleted ?? 0,
        pending: last?.pending ?? 0,
      },
    };
  },
};
