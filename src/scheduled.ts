import { snapshotUsage } from './admin/usage-store';
import { type Database, openDatabase } from './db/database';
import { type Bindings, type Config, problemsFor } from './env';
import { DEFAULT_LIFECYCLE_LIMITS, type LifecycleLimits, runLifecycle } from './lifecycle/run-lifecycle';
import { DEFAULT_RECONCILE_LIMITS, type ReconcileLimits, reconcileUsers } from './maintenance/reconcile-users';
import { revocationWriter } from './revocation/revocation-check';
import type { Services } from './services/services';
import { DEFAULT_RETRY_LIMITS, type RetryLimits, retryFailedWebhooks } from './webhooks/retry-failed-events';

/**
 * What every cron job is given. `now` is **the cron's clock**: the trigger's `controller.scheduledTime` (ms),
 * passed explicitly, not `services.now`. A run is about the instant it was scheduled for (a late invocation
 * still works on its own tick), and the drill moves the cron's clock on its own (wrangler dev's
 * `/cdn-cgi/local/scheduled?time=`) while the fetch app keeps `services.now` (the wall clock plus the test
 * clock's shift). In production the two differ only by the invocation's delay.
 */
export type CronContext = { services: Services; env: Bindings; now: number; db: Database; config: Config };

/** A job's report, or why it did not run. */
type Skipped = { skipped: string };

/**
 * The cron's jobs, run in this order, each on its own: one that throws is logged (`maintenance.<name>_failed`)
 * and reported `{ skipped: 'error' }`, and never stops the others. Adding a job is one line here: its name (the
 * report's key) and a function of the context and its optional smaller limits (tests, drills).
 */
const JOBS = {
  /** Failed webhooks whose backoff has passed, re-applied through `services.replay`. */
  retry: (ctx: CronContext, limits?: Partial<RetryLimits>) => {
    const revoke = revocationWriter(ctx.env);
    const replay: Services['replay'] = (d, svixId, at) => ctx.services.replay(d, svixId, at, revoke);
    return retryFailedWebhooks(ctx.db, replay, ctx.now, { ...DEFAULT_RETRY_LIMITS, ...limits });
  },
  /** One bounded step of reconciliation with Clerk's user list. */
  reconcile: async (ctx: CronContext, limits?: Partial<ReconcileLimits>) => {
    const { config, services } = ctx;
    // Never reconcile with a secret key of another instance (mismatched with the publishable key): its
    // user list is not ours, and every tenant would look deleted.
    if (!config.CLERK_SECRET_KEY || problemsFor(config, ['CLERK_SECRET_KEY']).length > 0)
      return { skipped: 'CLERK_SECRET_KEY' } satisfies Skipped;
    const api = { apiUrl: config.CLERK_API_URL, secretKey: config.CLERK_SECRET_KEY, fetch: services.fetch };
    return reconcileUsers(
      ctx.db,
      api,
      ctx.now,
      { ...DEFAULT_RECONCILE_LIMITS, ...limits },
      {
        onTenantsChanged: services.onTenantsChanged,
      },
    );
  },
  /** One bounded run of the data lifecycle (src/lifecycle/: retention, archive, erasure). */
  lifecycle: (ctx: CronContext, limits?: Partial<LifecycleLimits>) =>
    runLifecycle({
      db: ctx.db,
      bucket: ctx.env.ARCHIVE,
      config: ctx.config,
      now: ctx.now,
      limits: { ...DEFAULT_LIFECYCLE_LIMITS, ...limits },
      onTenantsChanged: ctx.services.onTenantsChanged,
    }),
  /** Past days of the 90-day usage history (MAU/MRU snapshots) not computed yet. */
  usage: async (ctx: CronContext, limit?: number) => ({ snapshotted: await snapshotUsage(ctx.db, ctx.now, limit) }),
} satisfies Record<string, (ctx: CronContext, limits?: never) => Promise<unknown>>;

type Jobs = typeof JOBS;
type JobName = keyof Jobs;

/** Smaller bounds for tests and drills, per job. */
export type MaintenanceLimits = { [K in JobName]?: Parameters<Jobs[K]>[1] };

/** What each job did (or `{ skipped }`), by job name. */
export type MaintenanceReport = { [K in JobName]: Awaited<ReturnType<Jobs[K]>> | Skipped };

/**
 * One cron run (wrangler.toml `[triggers]`) with the same services as the fetch app: every job of `JOBS`, in
 * order, at `now`, the cron's clock (see `CronContext`).
 */
export async function runMaintenance(
  services: Services,
  env: Bindings,
  now: number,
  limits: MaintenanceLimits = {},
): Promise<MaintenanceReport> {
  const ctx: CronContext = { services, env, now, db: openDatabase(env.DB), config: services.configs.get(env) };
  const report: Record<string, unknown> = {};
  for (const [name, job] of Object.entries(JOBS) as [JobName, (c: CronContext, l?: unknown) => Promise<unknown>][]) {
    try {
      report[name] = await job(ctx, limits[name]);
    } catch (err) {
      services.log('error', `maintenance.${name}_failed`, { error: err });
      report[name] = { skipped: 'error' } satisfies Skipped;
    }
  }
  services.log('info', 'maintenance.done', report);
  return report as MaintenanceReport;
}

/**
 * The Worker's `scheduled` handler (the cron's composition root): every trigger runs `runMaintenance` with the
 * isolate's services (shared with the fetch app) and the trigger's `scheduledTime` as the cron's clock.
 */
export function createScheduled(services: Services): ExportedHandlerScheduledHandler<Bindings> {
  return async function scheduled(controller, env) {
    // Awaited, not handed to waitUntil: the invocation lasts as long as the run (a lifecycle run may take minutes).
    await runMaintenance(services, env, controller.scheduledTime);
  };
}
