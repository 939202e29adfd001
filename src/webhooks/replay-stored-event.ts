import type { ReplayFn } from '../admin/replay';
import { ProcessingError, processStoredEvent } from './process-event';

/**
 * The admin replay and the scheduled retry: re-applies a stored delivery with the same
 * idempotency rules as a live one. A failure is already recorded on the row by
 * `processEvent` (status, attempts, last error, next attempt), so callers only report it.
 */
export const replayStoredEvent: ReplayFn = async (db, svixId, now) => {
  try {
    return { status: await processStoredEvent(db, svixId, now) };
  } catch (err) {
    if (err instanceof ProcessingError) return { status: 'failed', error: err.kind };
    throw err;
  }
};
