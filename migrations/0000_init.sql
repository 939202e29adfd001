CREATE TABLE `daily_active_users` (
	`day` text NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`day`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `daily_active_users_user_idx` ON `daily_active_users` (`user_id`,`day`);--> statement-breakpoint
CREATE TABLE `job_state` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `login_audits` (
	`session_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`created_at` integer NOT NULL,
	`ended_at` integer,
	`last_event_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_audits_tenant_created_idx` ON `login_audits` (`tenant_id`,`created_at`,`session_id`);--> statement-breakpoint
CREATE INDEX `login_audits_created_idx` ON `login_audits` (`created_at`);--> statement-breakpoint
CREATE TABLE `organization_memberships` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text,
	`permissions` text DEFAULT '[]' NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	`last_event_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `memberships_org_idx` ON `organization_memberships` (`org_id`,`status`,`role`);--> statement-breakpoint
CREATE INDEX `memberships_user_idx` ON `organization_memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text,
	`email` text,
	`slug` text,
	`image_url` text,
	`status` text DEFAULT 'active' NOT NULL,
	`source` text NOT NULL,
	`clerk_created_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived_at` integer,
	`profile_event_at` integer DEFAULT 0 NOT NULL,
	`last_event_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tenants_status_created_idx` ON `tenants` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tenants_email_idx` ON `tenants` (`email`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`svix_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`event_at` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	`next_attempt_at` integer
);
--> statement-breakpoint
CREATE INDEX `webhook_events_status_idx` ON `webhook_events` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_events_received_idx` ON `webhook_events` (`received_at`);