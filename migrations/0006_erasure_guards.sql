-- Hand-written (drizzle-kit does not model triggers). Once the lifecycle job has erased a deleted tenant
-- (`tenants.erased_at` set, src/lifecycle/erase-tenants.ts), a late or redelivered event naming it never
-- brings personal data back into D1 (the tenant's profile is guarded in the upsert itself):
-- 1. a login audit for it is removed as soon as it is written;
CREATE TRIGGER `login_audits_erased_tenant` AFTER INSERT ON `login_audits`
WHEN EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.`tenant_id` AND `erased_at` IS NOT NULL)
BEGIN
  DELETE FROM `login_audits` WHERE `session_id` = NEW.`session_id`;
END;
--> statement-breakpoint
-- 2. a stored payload naming it is dropped as soon as it is written (the record stays: order, duplicates);
CREATE TRIGGER `webhook_events_erased_tenant` AFTER INSERT ON `webhook_events`
WHEN NEW.`payload` IS NOT NULL AND EXISTS (
  SELECT 1 FROM `tenants` WHERE `id` IN (NEW.`user_id`, NEW.`org_id`) AND `erased_at` IS NOT NULL
)
BEGIN
  UPDATE `webhook_events` SET `payload` = NULL, `next_attempt_at` = NULL WHERE `svix_id` = NEW.`svix_id`;
END;
--> statement-breakpoint
-- 3. a membership of it is written as a tombstone (no role, no permissions).
CREATE TRIGGER `memberships_erased_tenant` AFTER INSERT ON `organization_memberships`
WHEN EXISTS (
  SELECT 1 FROM `tenants` WHERE `id` IN (NEW.`user_id`, NEW.`org_id`) AND `erased_at` IS NOT NULL
)
BEGIN
  UPDATE `organization_memberships`
    SET `status` = 'deleted', `role` = NULL, `permissions` = '[]', `deleted_at` = coalesce(`deleted_at`, `created_at`)
    WHERE `id` = NEW.`id`;
END;
