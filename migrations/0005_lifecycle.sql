-- Rebuilds webhook_events so `payload` may be null (SQLite cannot drop NOT NULL in place); no table references it.
CREATE TABLE `__new_webhook_events` (
	`svix_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`event_at` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`payload` text,
	`user_id` text,
	`org_id` text,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`next_attempt_at` integer,
	`body_hash` text,
	`id_reused_at` integer,
	`id_reuse_count` integer DEFAULT 0 NOT NULL,
	`reused_body_hash` text
);
--> statement-breakpoint
INSERT INTO `__new_webhook_events`("svix_id", "type", "event_at", "status", "attempts", "last_error", "payload", "user_id", "org_id", "received_at", "processed_at", "next_attempt_at", "body_hash", "id_reused_at", "id_reuse_count", "reused_body_hash") SELECT "svix_id", "type", "event_at", "status", "attempts", "last_error", "payload", NULL, NULL, "received_at", "processed_at", "next_attempt_at", "body_hash", "id_reused_at", "id_reuse_count", "reused_body_hash" FROM `webhook_events`;--> statement-breakpoint
DROP TABLE `webhook_events`;--> statement-breakpoint
ALTER TABLE `__new_webhook_events` RENAME TO `webhook_events`;--> statement-breakpoint
CREATE INDEX `webhook_events_status_idx` ON `webhook_events` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_received_idx` ON `webhook_events` (`received_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_payload_received_idx` ON `webhook_events` (`received_at`) WHERE "webhook_events"."payload" is not null;--> statement-breakpoint
CREATE INDEX `webhook_events_payload_user_idx` ON `webhook_events` (`user_id`) WHERE "webhook_events"."payload" is not null and "webhook_events"."user_id" is not null;--> statement-breakpoint
CREATE INDEX `webhook_events_payload_org_idx` ON `webhook_events` (`org_id`) WHERE "webhook_events"."payload" is not null and "webhook_events"."org_id" is not null;--> statement-breakpoint
ALTER TABLE `tenants` ADD `erased_at` integer;--> statement-breakpoint
CREATE INDEX `tenants_erase_queue_idx` ON `tenants` (`archived_at`) WHERE "tenants"."status" = 'archived' and "tenants"."erased_at" is null;--> statement-breakpoint
-- Hand-written: dropping the old table dropped its trigger of migration 0004; the same trigger again.
CREATE TRIGGER `webhook_events_body_bound` BEFORE UPDATE OF `body_hash` ON `webhook_events`
WHEN OLD.`body_hash` IS NOT NULL AND NEW.`body_hash` IS NOT OLD.`body_hash`
BEGIN
  SELECT RAISE(ABORT, 'fulcrum:svix_id_reused');
END;
