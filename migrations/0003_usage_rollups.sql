CREATE TABLE `daily_active_counts` (
	`day` text PRIMARY KEY NOT NULL,
	`users` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_last_active` (
	`user_id` text PRIMARY KEY NOT NULL,
	`last_day` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `user_last_active_day_idx` ON `user_last_active` (`last_day`);--> statement-breakpoint
-- Hand-written (drizzle-kit does not model triggers): keeps both rollups exact on every insert
-- into daily_active_users. INSERT OR IGNORE of an existing (day, user) row does not fire it.
CREATE TRIGGER `daily_active_users_rollup` AFTER INSERT ON `daily_active_users`
BEGIN
  INSERT INTO `daily_active_counts` (`day`, `users`) VALUES (NEW.`day`, 1)
    ON CONFLICT (`day`) DO UPDATE SET `users` = `users` + 1;
  INSERT INTO `user_last_active` (`user_id`, `last_day`) VALUES (NEW.`user_id`, NEW.`day`)
    ON CONFLICT (`user_id`) DO UPDATE SET `last_day` = max(`last_day`, excluded.`last_day`);
END;
--> statement-breakpoint
INSERT INTO `daily_active_counts` (`day`, `users`) SELECT `day`, count(*) FROM `daily_active_users` GROUP BY `day`;
--> statement-breakpoint
INSERT INTO `user_last_active` (`user_id`, `last_day`) SELECT `user_id`, max(`day`) FROM `daily_active_users` GROUP BY `user_id`;
