ALTER TABLE `tenants` ADD `erasure_started_at` integer;--> statement-breakpoint
-- Hand-written (drizzle-kit does not model triggers): the guards of migration 0006 hold from the moment
-- erasure begins (`erasure_started_at`, set before erasure reads anything), not only once it has finished
-- (`erased_at`). A row naming the tenant written while erasure runs is therefore never kept, so the erasure's
-- last batch leaves nothing personal behind, and it deletes only rows it archived (docs/data-lifecycle.md).
DROP TRIGGER IF EXISTS `login_audits_erased_tenant`;
--> statement-breakpoint
CREATE TRIGGER `login_audits_erased_tenant` AFTER INSERT ON `login_audits`
WHEN EXISTS (
  SELECT 1 FROM `tenants` WHERE `id` = NEW.`tenant_id`
    AND (`erased_at` IS NOT NULL OR `erasure_started_at` IS NOT NULL)
)
BEGIN
  DELETE FROM `login_audits` WHERE `session_id` = NEW.`session_id`;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `webhook_events_erased_tenant`;
--> statement-breakpoint
CREATE TRIGGER `webhook_events_erased_tenant` AFTER INSERT ON `webhook_events`
WHEN NEW.`payload` IS NOT NULL AND EXISTS (
  SELECT 1 FROM `tenants` WHERE `id` IN (NEW.`user_id`, NEW.`org_id`)
    AND (`erased_at` IS NOT NULL OR `erasure_started_at` IS NOT NULL)
)
BEGIN
  UPDATE `webhook_events` SET `payload` = NULL, `next_attempt_at` = NULL WHERE `svix_id` = NEW.`svix_id`;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `memberships_erased_tenant`;
--> statement-breakpoint
CREATE TRIGGER `memberships_erased_tenant` AFTER INSERT ON `organization_memberships`
WHEN EXISTS (
  SELECT 1 FROM `tenants` WHERE `id` IN (NEW.`user_id`, NEW.`org_id`)
    AND (`erased_at` IS NOT NULL OR `erasure_started_at` IS NOT NULL)
)
BEGIN
  UPDATE `organization_memberships`
    SET `status` = 'deleted', `role` = NULL, `permissions` = '[]', `deleted_at` = coalesce(`deleted_at`, `created_at`)
    WHERE `id` = NEW.`id`;
END;
