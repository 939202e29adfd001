import type { Database } from '../env';
import { AppError } from '../errors';

/** What re-applying a stored webhook event did. */
export type ReplayResult = {
  status: 'processed' | 'ignored' | 'failed' | 'duplicate' | 'not_found';
  /** Internal reason when failed (logged, shown to admins, never the payload). */
  error?: string;
};

/**
 * Re-applies the payload stored in `webhook_events` for `svixId`, with the same
 * idempotency rules as a live delivery, and records its status/last_error on the row.
 * Provided by the webhooks module; admin replay and the scheduled retry both use it.
 * It does not count attempts: the scheduler does (recordRetryOutcome).
 */
export type ReplayFn = (db: Database, svixId: string, now: number) => Promise<ReplayResult>;

/** Fail-closed placeholder until the webhooks module's replay is wired in src/app.ts. */
export const replayNotWired: ReplayFn = async () => {
  throw new AppError('misconfigured', { message: 'Webhook replay is not available.', detail: { reason: 'replay_not_wired' } });
};
