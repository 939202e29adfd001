import type { Database } from '../db/database';
import { log } from '../lib/log';
import { deferFailedEvent, listDueFailedEvents } from './event-store';
import type { ReplayFn } from './replay';
import { RETRY_POLICY } from './retry-policy';

export type RetryLimits = { maxAttempts: number; perRun: number };
/** From the one retry policy (retry-policy.ts); tests pass smaller limits. */
export const DEFAULT_RETRY_LIMITS: RetryLimits = { maxAttempts: RETRY_POLICY.maxAttempts, perRun: RETRY_POLICY.perRun };

export type RetryReport = { attempted: number; processed: number; failed: number };

/**
 * Re-applies failed webhook events that are due, through the webhooks module's replay. A
 * failed replay has recorded its own attempt and next time; one that threw unexpectedly is
 * deferred here, so a poison event cannot take a slot in every run.
 */
export async function retryFailedWebhooks(
  db: Database,
  replay: ReplayFn,
  now: number,
  limits: RetryLimits = DEFAULT_RETRY_LIMITS,
): Promise<RetryReport> {
  const due = await listDueFailedEvents(db, { now, maxAttempts: limits.maxAttempts, limit: limits.perRun });
  const report: RetryReport = { attempted: 0, processed: 0, failed: 0 };
  for (const event of due) {
    report.attempted++;
    let failed: boolean;
    try {
      failed = (await replay(db, event.svixId, now)).status === 'failed';
    } catch (err) {
      log('warn', 'maintenance.webhook_retry_threw', { svixId: event.svixId, error: err });
      await deferFailedEvent(db, { svixId: event.svixId, now, error: 'replay threw' });
      failed = true;
    }
    if (failed) report.failed++;
    else report.processed++;
  }
  return report;
}
