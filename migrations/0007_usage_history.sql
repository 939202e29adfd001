CREATE TABLE `usage_snapshots` (
	`day` text PRIMARY KEY NOT NULL,
	`mau` integer NOT NULL,
	`mru` integer NOT NULL,
	`computed_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `user_last_active` ADD `first_day` text;
--> statement-breakpoint
-- Hand-written (drizzle-kit does not model triggers): the rollup trigger of 0003 now keeps each user's first
-- active day too (their sign-up day for Monthly Retained Users).
DROP TRIGGER `daily_active_users_rollup`;
--> statement-breakpoint
CREATE TRIGGER `daily_active_users_rollup` AFTER INSERT ON `daily_active_users`
BEGIN
  INSERT INTO `daily_active_counts` (`day`, `users`) VALUES (NEW.`day`, 1)
    ON CONFLICT (`day`) DO UPDATE SET `users` = `users` + 1;
  INSERT INTO `user_last_active` (`user_id`, `last_day`, `first_day`) VALUES (NEW.`user_id`, NEW.`day`, NEW.`day`)
    ON CONFLICT (`user_id`) DO UPDATE SET `last_day` = max(`last_day`, excluded.`last_day`),
      `first_day` = min(coalesce(`first_day`, excluded.`first_day`), excluded.`first_day`);
END;
--> statement-breakpoint
UPDATE `user_last_active` SET `first_day` = (
  SELECT min(`day`) FROM `daily_active_users` WHERE `daily_active_users`.`user_id` = `user_last_active`.`user_id`
);
