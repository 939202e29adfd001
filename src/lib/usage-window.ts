/**
 * The usage figures' windows, shared by the usage store (src/admin/usage-store.ts) and the lifecycle job that
 * prunes the rows they are counted from (src/lifecycle/run-lifecycle.ts).
 */

/** Monthly active (and retained) users count the last 30 UTC days, today included. */
export const MAU_WINDOW_DAYS = 30;

/** Days of usage history answered (`history`), each day's MAU/MRU a snapshot the cron took after it ended. */
export const HISTORY_DAYS = 90;

/**
 * How far back the cron still computes a missing day's snapshot: a day the cron missed (an outage, a first
 * deployment) is filled for up to a week; older missing days stay `null` in the history.
 */
export const SNAPSHOT_BACKFILL_DAYS = 7;

/**
 * `daily_active_users` rows (one per user per active day) are kept this long: the 30-day window of the oldest day
 * the cron may still snapshot. Live MAU/MRU never read them (they come from `user_last_active`), so nothing older
 * is needed; a snapshot, once taken, is kept in `usage_snapshots`.
 */
export const DAILY_ACTIVE_KEEP_DAYS = MAU_WINDOW_DAYS + SNAPSHOT_BACKFILL_DAYS;
