import { drizzle } from 'drizzle-orm/d1';
import * as schema from '../db/schema';
import { type Bindings, getConfig, problemsFor } from '../env';
import { log } from '../lib/log';
import { tenantCache } from '../tenants/tenant-cache';
import type { ReplayFn } from '../webhooks/replay';
import { DEFAULT_RETRY_LIMITS, type RetryLimits, type RetryReport, retryFailedWebhooks } from '../webhooks/retry-failed-events';
import { DEFAULT_RECONCILE_LIMITS, type ReconcileLimits, type ReconcileReport, reconcileUsers } from './reconcile-users';

export type MaintenanceDeps = {
  /** The webhooks module's stored-event replay; without it, retries are skipped. */
  replay?: ReplayFn | undefined;
  fetch?: typeof fetch;
  retry?: Partial<RetryLimits>;
  reconcile?: Partial<ReconcileLimits>;
};

export type MaintenanceReport = { retry: RetryReport | { skipped: string }; reconcile: ReconcileReport | { skipped: string } };

/**
 * The cron job (wrangler.toml `[triggers]`): retry failed webhooks, then one bounded step of
 * reconciliation with Clerk. Each part fails on its own: one error never stops the other.
 */
export async function runMaintenance(env: Bindings, now: number, deps: MaintenanceDeps = {}): Promise<MaintenanceReport> {
  const db = drizzle(env.DB, { schema });
  const config = getConfig(env);
  const report: MaintenanceReport = { retry: { skipped: 'replay_not_wired' }, reconcile: { skipped: 'CLERK_SECRET_KEY' } };
  if (deps.replay) {
    try {
      report.retry = await retryFailedWebhooks(db, deps.replay, now, { ...DEFAULT_RETRY_LIMITS, ...deps.retry });
    } catch (err) {
      log('error', 'maintenance.retry_failed', { error: err });
      report.retry = { skipped: 'error' };
    }
  }
  // Never reconcile with a secret key of another instance (mismatched with the publishable key): its
  // user list is not ours, and every tenant would look deleted.
  if (config.CLERK_SECRET_KEY && problemsFor(config, ['CLERK_SECRET_KEY']).length === 0) {
    try {
      const api = { apiUrl: config.CLERK_API_URL, secretKey: config.CLERK_SECRET_KEY, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
      report.reconcile = await reconcileUsers(
        db,
        api,
        now,
        { ...DEFAULT_RECONCILE_LIMITS, ...deps.reconcile },
        {
          onTenantsChanged: (ids) => {
            for (const id of ids) tenantCache.delete(id);
          },
        },
      );
    } catch (err) {
      log('error', 'maintenance.reconcile_failed', { error: err });
      report.reconcile = { skipped: 'error' };
    }
  }
  log('info', 'maintenance.done', report);
  return report;
}
