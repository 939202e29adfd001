import type { Database } from '../env';

/** What re-applying a stored webhook event did. */
export type ReplayResult = {
  status: 'processed' | 'ignored' | 'failed' | 'duplicate' | 'not_found';
  /** Internal reason when failed (logged, shown to admins, never the payload). */
  error?: string;
};

/**
 * Re-applies the payload stored in `webhook_events` for `svixId`, with the same
 * idempotency rules as a live delivery, and records its outcome on the row (a failure
 * counts an attempt and schedules the next). Implemented by the webhooks module
 * (`replayStoredEvent`); admin replay and the scheduled retry both use it.
 */
export type ReplayFn = (db: Database, svixId: string, now: number) => Promise<ReplayResult>;
