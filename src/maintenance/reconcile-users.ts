import { readJobState, writeJobState } from '../db/queries/job-state';
import { archiveMissingUserTenant, listUnseenUserTenants, markReconciled, upsertReconciledUsers } from '../db/queries/reconcile';
import type { Database } from '../env';
import { log } from '../lib/log';
import { tenantCache } from '../tenants/tenant-cache';
import { type ClerkApi, getClerkUser, listClerkUsers, profileOf } from './clerk-users';

export const RECONCILE_JOB = 'reconcile_users';

/**
 * A sweep lists every Clerk user (phase `list`, by offset), then checks the tenants it did
 * not see one by one (phase `verify`): a 404 from `GET /v1/users/{id}` archives the tenant.
 * The per-user check is what makes archiving safe: offsets shift when users are deleted
 * mid-sweep, so "not seen in the list" alone is not proof of deletion.
 */
export type ReconcileState = { phase: 'list' | 'verify' | 'idle'; offset: number; sweepStartedAt: number; lastSweepAt: number | null };

export type ReconcileLimits = { pageSize: number; pagesPerRun: number; verifyPerRun: number; sweepIntervalMs: number };
export const DEFAULT_RECONCILE_LIMITS: ReconcileLimits = { pageSize: 100, pagesPerRun: 5, verifyPerRun: 25, sweepIntervalMs: 60 * 60_000 };

export type ReconcileReport = { phase: ReconcileState['phase']; listed: number; archived: number; verified: number; error?: string };

/** One bounded, resumable step of reconciliation with Clerk's Backend API; state in `job_state`. */
export async function reconcileUsers(
  db: Database,
  api: ClerkApi,
  now: number,
  limits: ReconcileLimits = DEFAULT_RECONCILE_LIMITS,
): Promise<ReconcileReport> {
  const saved = await readJobState<ReconcileState>(db, { name: RECONCILE_JOB });
  let state: ReconcileState = saved ?? { phase: 'idle', offset: 0, sweepStartedAt: now, lastSweepAt: null };
  const report: ReconcileReport = { phase: state.phase, listed: 0, archived: 0, verified: 0 };
  const save = () => writeJobState(db, { name: RECONCILE_JOB, value: state, now });

  if (state.phase === 'idle') {
    if (state.lastSweepAt !== null && now - state.lastSweepAt < limits.sweepIntervalMs) return report;
    state = { phase: 'list', offset: 0, sweepStartedAt: now, lastSweepAt: state.lastSweepAt };
  }

  if (state.phase === 'list') {
    for (let page = 0; page < limits.pagesPerRun; page++) {
      const r = await listClerkUsers(api, { limit: limits.pageSize, offset: state.offset });
      if (!r.ok) {
        report.error = r.reason;
        log(r.reason === 'unauthorized' ? 'error' : 'warn', 'maintenance.reconcile_list_failed', {
          reason: r.reason,
          status: r.status,
          offset: state.offset,
        });
        await save();
        return { ...report, phase: state.phase };
      }
      await upsertReconciledUsers(db, {
        now,
        users: r.value.map((u) => ({ id: u.id, ...profileOf(u), clerkCreatedAt: u.created_at, updatedAt: u.updated_at })),
      });
      report.listed += r.value.length;
      state.offset += r.value.length;
      if (r.value.length < limits.pageSize) {
        state.phase = 'verify';
        break;
      }
    }
  }

  if (state.phase === 'verify') {
    const candidates = await listUnseenUserTenants(db, { sweepStartedAt: state.sweepStartedAt, limit: limits.verifyPerRun });
    for (const { id } of candidates) {
      const r = await getClerkUser(api, id);
      if (!r.ok) {
        report.error = r.reason;
        log('warn', 'maintenance.reconcile_verify_failed', { reason: r.reason, status: r.status, tenantId: id });
        await save();
        return { ...report, phase: state.phase };
      }
      if (r.value === null) {
        if (await archiveMissingUserTenant(db, { id, sweepStartedAt: state.sweepStartedAt, now })) {
          report.archived++;
          tenantCache.delete(id); // this isolate stops serving it now; others within the cache TTL
        } else await markReconciled(db, { id, now });
      } else {
        await markReconciled(db, { id, now });
        report.verified++;
      }
    }
    if (candidates.length < limits.verifyPerRun)
      state = { phase: 'idle', offset: 0, sweepStartedAt: state.sweepStartedAt, lastSweepAt: now };
  }
  await save();
  return { ...report, phase: state.phase };
}
