-- Webhook payloads leave `webhook_events` for a table of their own, so that retention DELETES a payload row
-- (its pages go back to the free list and new payloads reuse them) instead of nulling a column in place, which
-- left each ~150-byte record alone on a 4 KiB page until the record itself was deleted (docs/SCALING.md).
CREATE TABLE `webhook_payloads` (
	`svix_id` text PRIMARY KEY NOT NULL,
	`payload` text NOT NULL,
	`user_id` text,
	`org_id` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_payloads_received_idx` ON `webhook_payloads` (`received_at`);--> statement-breakpoint
CREATE INDEX `webhook_payloads_user_idx` ON `webhook_payloads` (`user_id`) WHERE "webhook_payloads"."user_id" is not null;--> statement-breakpoint
CREATE INDEX `webhook_payloads_org_idx` ON `webhook_payloads` (`org_id`) WHERE "webhook_payloads"."org_id" is not null;--> statement-breakpoint
-- Hand-written: every payload still kept moves, with whom it names and when it was received.
INSERT INTO `webhook_payloads` (`svix_id`, `payload`, `user_id`, `org_id`, `received_at`)
  SELECT `svix_id`, `payload`, `user_id`, `org_id`, `received_at` FROM `webhook_events` WHERE `payload` IS NOT NULL;
--> statement-breakpoint
-- Hand-written: migration 0008's guard named these columns (SQLite refuses to drop a column a trigger uses); its
-- successor guards `webhook_payloads` below.
DROP TRIGGER IF EXISTS `webhook_events_erased_tenant`;--> statement-breakpoint
DROP INDEX `webhook_events_payload_received_idx`;--> statement-breakpoint
DROP INDEX `webhook_events_payload_user_idx`;--> statement-breakpoint
DROP INDEX `webhook_events_payload_org_idx`;--> statement-breakpoint
ALTER TABLE `webhook_events` DROP COLUMN `payload`;--> statement-breakpoint
ALTER TABLE `webhook_events` DROP COLUMN `user_id`;--> statement-breakpoint
ALTER TABLE `webhook_events` DROP COLUMN `org_id`;--> statement-breakpoint
-- Hand-written (drizzle-kit does not model triggers): the erasure fence of migrations 0006/0008 on the new table.
-- Once erasure of a tenant has begun (`erasure_started_at`) or finished (`erased_at`), a payload naming it is
-- never written at all (RAISE(IGNORE) skips the row; the event's record and the rest of its batch go on).
CREATE TRIGGER `webhook_payloads_erased_tenant` BEFORE INSERT ON `webhook_payloads`
WHEN EXISTS (
  SELECT 1 FROM `tenants` WHERE `id` IN (NEW.`user_id`, NEW.`org_id`)
    AND (`erased_at` IS NOT NULL OR `erasure_started_at` IS NOT NULL)
)
BEGIN
  SELECT RAISE(IGNORE);
END;
