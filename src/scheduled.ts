import { openDatabase } from './db/database';
import { type Bindings, getConfig, problemsFor } from './env';
import {
  DEFAULT_LIFECYCLE_LIMITS,
  type LifecycleLimits,
  type LifecycleStatus,
  runLifecycle,
} from './lifecycle/run-lifecycle';
import {
  DEFAULT_RECONCILE_LIMITS,
  type ReconcileLimits,
  type ReconcileReport,
  reconcileUsers,
} from './maintenance/reconcile-users';
import { revocationWriter } from './revocation/revocation-check';
import type { Services } from './services/services';
import {
  DEFAULT_RETRY_LIMITS,
  type RetryLimits,
  type RetryReport,
  retryFailedWebhooks,
} from './webhooks/retry-failed-events';

/** Smaller bounds for tests and drills. */
export type MaintenanceLimits = {
  retry?: Partial<RetryLimits>;
  reconcile?: Partial<ReconcileLimits>;
  lifecycle?: Partial<LifecycleLimits>;
};

export type MaintenanceReport = {
  retry: RetryReport | { skipped: string };
  reconcile: ReconcileReport | { skipped: string };
  lifecycle: LifecycleStatus | { skipped: string };
};

/**
 * The cron job (wrangler.toml `[triggers]`), run with the same services as the fetch app: retry
 * failed webhooks (through `services.replay`), one bounded step of reconciliation with Clerk, then one
 * bounded run of the data lifecycle (src/lifecycle/: retention, archive, erasure). Each part fails on its
 * own: one error never stops the others.
 */
export async function runMaintenance(
  services: Services,
  env: Bindings,
  now: number,
  limits: MaintenanceLimits = {},
): Promise<MaintenanceReport> {
  const { log } = services;
  const db = openDatabase(env.DB);
  const config = getConfig(env);
  const report: MaintenanceReport = {
    retry: { skipped: 'error' },
    reconcile: { skipped: 'CLERK_SECRET_KEY' },
    lifecycle: { skipped: 'error' },
  };
  try {
    const revoke = revocationWriter(env);
    const replay: typeof services.replay = (d, svixId, at) => services.replay(d, svixId, at, revoke);
    report.retry = await retryFailedWebhooks(db, replay, now, { ...DEFAULT_RETRY_LIMITS, ...limits.retry });
  } catch (err) {
    log('error', 'maintenance.retry_failed', { error: err });
  }
  // Never reconcile with a secret key of another instance (mismatched with the publishable key): its
  // user list is not ours, and every tenant would look deleted.
  if (config.CLERK_SECRET_KEY && problemsFor(config, ['CLERK_SECRET_KEY']).length === 0) {
    try {
      const api = { apiUrl: config.CLERK_API_URL, secretKey: config.CLERK_SECRET_KEY, fetch: services.fetch };
      const reconcileLimits = { ...DEFAULT_RECONCILE_LIMITS, ...limits.reconcile };
      report.reconcile = await reconcileUsers(db, api, now, reconcileLimits, {
        onTenantsChanged: services.onTenantsChanged,
      });
    } catch (err) {
      log('error', 'maintenance.reconcile_failed', { error: err });
      report.reconcile = { skipped: 'error' };
    }
  }
  try {
    const lifecycleLimits = { ...DEFAULT_LIFECYCLE_LIMITS, ...limits.lifecycle };
    report.lifecycle = await runLifecycle({
      db,
      bucket: env.ARCHIVE,
      config,
      now,
      limits: lifecycleLimits,
      onTenantsChanged: services.onTenantsChanged,
    });
  } catch (err) {
    log('error', 'maintenance.lifecycle_failed', { error: err });
  }
  log('info', 'maintenance.done', report);
  return report;
}
