ALTER TABLE `webhook_events` ADD `body_hash` text;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `id_reused_at` integer;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `id_reuse_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `reused_body_hash` text;--> statement-breakpoint
-- Hand-written (drizzle-kit does not model triggers). Each aborts the statement, and with it the
-- whole D1 batch of the event (atomic), so a refused event applies nothing. The application
-- recognises the messages (prefix `fulcrum:`) in src/webhooks/process-event.ts.
-- 1. A `svix-id` is bound to the body first stored under it.
CREATE TRIGGER `webhook_events_body_bound` BEFORE UPDATE OF `body_hash` ON `webhook_events`
WHEN OLD.`body_hash` IS NOT NULL AND NEW.`body_hash` IS NOT OLD.`body_hash`
BEGIN
  SELECT RAISE(ABORT, 'fulcrum:svix_id_reused');
END;
--> statement-breakpoint
-- 2. Effects never cross entities: an organization event never rewrites a user's tenant, nor the reverse.
CREATE TRIGGER `tenants_kind_fixed` BEFORE UPDATE OF `kind` ON `tenants`
WHEN NEW.`kind` IS NOT OLD.`kind`
BEGIN
  SELECT RAISE(ABORT, 'fulcrum:entity_mismatch:tenant_kind');
END;
--> statement-breakpoint
-- 3. A login audit belongs to its session's user: an event naming another user never rewrites it.
CREATE TRIGGER `login_audits_user_fixed` BEFORE UPDATE OF `user_id`, `tenant_id` ON `login_audits`
WHEN NEW.`user_id` IS NOT OLD.`user_id` OR NEW.`tenant_id` IS NOT OLD.`tenant_id`
BEGIN
  SELECT RAISE(ABORT, 'fulcrum:entity_mismatch:session_user');
END;
--> statement-breakpoint
-- 4. A membership id names one (organization, user) pair for good.
CREATE TRIGGER `memberships_pair_fixed` BEFORE UPDATE OF `org_id`, `user_id` ON `organization_memberships`
WHEN NEW.`org_id` IS NOT OLD.`org_id` OR NEW.`user_id` IS NOT OLD.`user_id`
BEGIN
  SELECT RAISE(ABORT, 'fulcrum:entity_mismatch:membership_pair');
END;
