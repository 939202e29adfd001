import type { ClerkApi, ClerkApiFailure } from '../clerk/backend-api';
import { profileOfClerkUser } from '../clerk/user-profile';
import { type ClerkUser, getClerkUser, listClerkUsers } from '../clerk/users';
import type { Database } from '../db/database';
import { readJobState, writeJobState } from '../db/job-state';
import { log } from '../lib/log';
import {
  archiveMissingUserTenant,
  listUnseenUserTenants,
  markReconciled,
  type ReconciledUser,
  upsertReconciledUsers,
} from './reconcile-store';

export const RECONCILE_JOB = 'reconcile_users';

/**
 * A sweep lists every Clerk user (phase `list`, by offset), then checks the tenants it did
 * not see one by one (phase `verify`): a 404 from `GET /v1/users/{id}` archives the tenant.
 * The per-user check is what makes archiving safe: offsets shift when users are deleted
 * mid-sweep, so "not seen in the list" alone is not proof of deletion.
 */
export type ReconcileState = {
  phase: 'list' | 'verify' | 'idle';
  offset: number;
  sweepStartedAt: number;
  lastSweepAt: number | null;
};

export type ReconcileLimits = { pageSize: number; pagesPerRun: number; verifyPerRun: number; sweepIntervalMs: number };
export const DEFAULT_RECONCILE_LIMITS: ReconcileLimits = {
  pageSize: 100,
  pagesPerRun: 5,
  verifyPerRun: 25,
  sweepIntervalMs: 60 * 60_000,
};

export type ReconcileReport = {
  phase: ReconcileState['phase'];
  listed: number;
  archived: number;
  verified: number;
  error?: string;
};

export type ReconcileHooks = {
  /** Tenants reconciliation created, changed or archived (the composition root drops their cached copies). */
  onTenantsChanged?: (ids: string[]) => void;
};

/** A tenant's reconciled row from Clerk's user: the one profile rule (src/clerk/user-profile.ts). */
export function reconciledUserOf(u: ClerkUser): ReconciledUser {
  return { id: u.id, ...profileOfClerkUser(u), clerkCreatedAt: u.created_at, updatedAt: u.updated_at };
}

type Step = { state: ReconcileState; report: ReconcileReport; failure?: ClerkApiFailure };

/**
 * Both phases log a Clerk failure the same way: an invalid secret key needs an operator (error), the rest heals
 * (warn).
 */
function logFailure(event: string, failure: ClerkApiFailure, fields: Record<string, unknown>): void {
  log(failure.reason === 'unauthorized' ? 'error' : 'warn', event, {
    reason: failure.reason,
    status: failure.status,
    ...fields,
  });
}

/** Phase `list`: up to `pagesPerRun` pages of users upserted as tenants; the last short page starts `verify`. */
async function listPhase(
  db: Database,
  api: ClerkApi,
  now: number,
  limits: ReconcileLimits,
  step: Step,
  hooks: ReconcileHooks,
) {
  const { state, report } = step;
  for (let page = 0; page < limits.pagesPerRun; page++) {
    const r = await listClerkUsers(api, { limit: limits.pageSize, offset: state.offset });
    if (!r.ok) {
      logFailure('maintenance.reconcile_list_failed', r.error, { offset: state.offset });
      step.failure = r.error;
      return;
    }
    const changed = await upsertReconciledUsers(db, { now, users: r.value.map(reconciledUserOf) });
    if (changed.length > 0) hooks.onTenantsChanged?.(changed);
    report.listed += r.value.length;
    state.offset += r.value.length;
    if (r.value.length < limits.pageSize) {
      state.phase = 'verify';
      return;
    }
  }
}

/** Phase `verify`: each tenant the sweep did not see is looked up; a 404 archives it. */
async function verifyPhase(
  db: Database,
  api: ClerkApi,
  now: number,
  limits: ReconcileLimits,
  step: Step,
  hooks: ReconcileHooks,
) {
  const { state, report } = step;
  const candidates = await listUnseenUserTenants(db, {
    sweepStartedAt: state.sweepStartedAt,
    limit: limits.verifyPerRun,
  });
  for (const { id } of candidates) {
    const r = await getClerkUser(api, id);
    if (!r.ok) {
      logFailure('maintenance.reconcile_verify_failed', r.error, { tenantId: id });
      step.failure = r.error;
      return;
    }
    if (r.value === null && (await archiveMissingUserTenant(db, { id, sweepStartedAt: state.sweepStartedAt, now }))) {
      report.archived++;
      hooks.onTenantsChanged?.([id]); // this isolate stops serving it now; others within the cache TTL
      continue;
    }
    await markReconciled(db, { id, now });
    if (r.value !== null) report.verified++;
  }
  if (candidates.length < limits.verifyPerRun)
    step.state = { phase: 'idle', offset: 0, sweepStartedAt: state.sweepStartedAt, lastSweepAt: now };
}

/** One bounded, resumable step of reconciliation with Clerk's Backend API; state in `job_state`. */
export async function reconcileUsers(
  db: Database,
  api: ClerkApi,
  now: number,
  limits: ReconcileLimits = DEFAULT_RECONCILE_LIMITS,
  hooks: ReconcileHooks = {},
): Promise<ReconcileReport> {
  const saved = await readJobState<ReconcileState>(db, { name: RECONCILE_JOB });
  let state: ReconcileState = saved ?? { phase: 'idle', offset: 0, sweepStartedAt: now, lastSweepAt: null };
  const report: ReconcileReport = { phase: state.phase, listed: 0, archived: 0, verified: 0 };

  if (state.phase === 'idle') {
    if (state.lastSweepAt !== null && now - state.lastSweepAt < limits.sweepIntervalMs) return report;
    state = { phase: 'list', offset: 0, sweepStartedAt: now, lastSweepAt: state.lastSweepAt };
  }
  const step: Step = { state, report };
  if (step.state.phase === 'list') await listPhase(db, api, now, limits, step, hooks);
  if (!step.failure && step.state.phase === 'verify') await verifyPhase(db, api, now, limits, step, hooks);
  if (step.failure) report.error = step.failure.reason;
  await writeJobState(db, { name: RECONCILE_JOB, value: step.state, now });
  return { ...report, phase: step.state.phase };
}
