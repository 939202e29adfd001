import type { Database } from '../db/database';
import { type ProcessHooks, ProcessingError, processStoredEvent, type RevokeFn } from './process-event';

/** What re-applying a stored webhook event did. */
export type ReplayResult = {
  /** `gone`: the payload was dropped by retention or erasure (the admin route answers 410). */
  status: 'processed' | 'ignored' | 'failed' | 'duplicate' | 'not_found' | 'gone';
  /** Internal reason when failed (logged, shown to admins, never the payload). */
  error?: string;
};

/**
 * The replay contract: re-applies the payload stored for `svixId` (`webhook_payloads`), with the
 * same idempotency rules as a live delivery (its revocations written through `revoke`), and records its outcome on the row (a failure counts
 * an attempt and schedules the next). The admin replay route and the scheduled retry both use it.
 */
export type ReplayFn = (db: Database, svixId: string, now: number, revoke?: RevokeFn) => Promise<ReplayResult>;

/**
 * The implementation of `ReplayFn` (built by `createServices` with its hooks). A failure is already
 * recorded on the row by `processEvent` (status, attempts, last error, next attempt), so callers
 * only report it.
 */
export function createReplay(hooks: ProcessHooks): ReplayFn {
  return async (db, svixId, now, revoke) => {
    try {
      return { status: await processStoredEvent(db, svixId, now, { ...hooks, revoke }) };
    } catch (err) {
      if (err instanceof ProcessingError) return { status: 'failed', error: err.kind };
      throw err;
    }
  };
}
