-- Hand-written (drizzle-kit does not model triggers). Retention deletes `daily_active_users` rows older than
-- DAILY_ACTIVE_KEEP_DAYS (src/lifecycle/lifecycle-store.ts deleteOldDailyActive), and first records how far it
-- has pruned in `job_state` ('daily_active_pruned_before', a JSON string day). A (day, user) row for a day already
-- pruned is never written again: the rollup trigger would count it a second time in `daily_active_counts` (its
-- first copy is gone, so INSERT OR IGNORE finds nothing to ignore). Such a row comes from a late or resent
-- `session.created` weeks old, or an admin replay of one.
CREATE TRIGGER `daily_active_users_pruned_day` BEFORE INSERT ON `daily_active_users`
WHEN NEW.`day` < coalesce(
  (SELECT json_extract(`value`, '$') FROM `job_state` WHERE `name` = 'daily_active_pruned_before'),
  ''
)
BEGIN
  SELECT RAISE(IGNORE);
END;
