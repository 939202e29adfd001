import type { Database } from '../db/database';
import { utcDay } from '../lib/utc-day';
import { onArchive } from './archive-batch';
import { deletedTenantPrefix, keySegment, tenantAuditPrefix, tenantWebhookPrefix } from './archive-keys';
import { auditRecord, membershipRecord, tenantRecord, webhookRecord } from './archive-records';
import {
  erasureStatements,
  listErasureQueue,
  selectTenantAudits,
  selectTenantMemberships,
  selectTenantPayloads,
  type TenantRow,
} from './erasure-store';
import { gzipNdjson } from './ndjson-gzip';

export type ErasureLimits = { tenantsPerRun: number; rowsPerKind: number; objectsPerTenant: number };
export const DEFAULT_ERASURE_LIMITS: ErasureLimits = { tenantsPerRun: 10, rowsPerKind: 1000, objectsPerTenant: 100 };

export type ErasureReport = { erased: number; archivedRows: number; movedObjects: number };

/** The deleted tenant's archive prefix: `deleted/<UTC day of its deletion>/<tenant>/`. */
export function deletedPrefixOf(tenant: TenantRow, now: number): string {
  return deletedTenantPrefix({ tenantId: tenant.id, day: utcDay(tenant.archivedAt ?? now) });
}

async function put(bucket: R2Bucket, key: string, rows: unknown[]): Promise<void> {
  const body = await gzipNdjson(rows);
  await onArchive('put', () =>
    bucket.put(key, body, {
      httpMetadata: { contentType: 'application/gzip' },
      customMetadata: { rows: String(rows.length) },
    }),
  );
}

/**
 * Moves the tenant's earlier archive objects (`audit/<tenant>/…`, `webhook/<tenant>/…`) under its deleted
 * prefix, so all of it expires together (RETAIN_DELETED_TENANT_DAYS). Each object is copied to a key named
 * after its source, then the source deleted: a re-run after a crash copies what is left, never twice.
 */
async function moveArchivedObjects(bucket: R2Bucket, tenant: TenantRow, prefix: string, limit: number) {
  let moved = 0;
  let complete = true;
  for (const source of [tenantAuditPrefix(tenant.id), tenantWebhookPrefix(tenant.id)]) {
    const page = await onArchive('list', () => bucket.list({ prefix: source, limit }));
    for (const object of page.objects) {
      const body = await onArchive('get', () => bucket.get(object.key));
      if (body) {
        const bytes = new Uint8Array(await body.arrayBuffer());
        const kind = source.startsWith('audit/') ? 'audit' : 'webhook';
        const dest = `${prefix}${kind === 'audit' ? 4 : 6}-archived-${kind}-${keySegment(
          object.key
            .slice(source.length)
            .replace(/\.ndjson\.gz$/, '')
            .replaceAll('/', '_'),
        )}.ndjson.gz`;
        await onArchive('put', () => bucket.put(dest, bytes, { httpMetadata: { contentType: 'application/gzip' } }));
      }
      await onArchive('delete', () => bucket.delete(object.key));
      moved++;
    }
    if (page.truncated) complete = false;
  }
  return { moved, complete };
}

/**
 * Erasure of one deleted tenant, one bounded pass: its data is written to `deleted/<day>/<tenant>/` in R2,
 * then removed from D1 in one atomic batch (audits deleted, payloads dropped, memberships tombstoned). The
 * pass that finds nothing more scrubs the profile (name, email, slug, image) and sets `erased_at`; from then
 * on the guards of migration 0006 and the profile upsert keep late events from bringing anything back.
 */
async function eraseOne(db: Database, bucket: R2Bucket, tenant: TenantRow, now: number, limits: ErasureLimits) {
  const prefix = deletedPrefixOf(tenant, now);
  const objects = await moveArchivedObjects(bucket, tenant, prefix, limits.objectsPerTenant);
  const limit = limits.rowsPerKind;
  const [audits, memberships, payloads] = await Promise.all([
    tenant.kind === 'user' ? selectTenantAudits(db, { tenantId: tenant.id, limit }) : Promise.resolve([]),
    selectTenantMemberships(db, { tenant, limit }),
    selectTenantPayloads(db, { tenant, limit }),
  ]);
  // The profile as it was (rewritten identically by a re-run until the tenant is scrubbed).
  await put(bucket, `${prefix}1-tenant.ndjson.gz`, [tenantRecord(tenant)]);
  const first = (ids: string[]) => keySegment(ids[0] ?? '');
  if (memberships.length > 0)
    await put(
      bucket,
      `${prefix}2-memberships-${first(memberships.map((m) => m.id))}.ndjson.gz`,
      memberships.map(membershipRecord),
    );
  if (audits.length > 0)
    await put(bucket, `${prefix}3-audits-${first(audits.map((a) => a.sessionId))}.ndjson.gz`, audits.map(auditRecord));
  if (payloads.length > 0)
    await put(
      bucket,
      `${prefix}5-webhooks-${first(payloads.map((w) => w.svixId))}.ndjson.gz`,
      payloads.map(webhookRecord),
    );
  const done = objects.complete && audits.length < limit && memberships.length < limit && payloads.length < limit;
  const statements = erasureStatements(db, {
    auditIds: audits.map((a) => a.sessionId),
    membershipIds: memberships.map((m) => m.id),
    svixIds: payloads.map((w) => w.svixId),
    finish: done ? tenant : null,
    now,
  });
  const [head, ...rest] = statements;
  if (head) await db.batch([head, ...rest]);
  return { done, rows: audits.length + memberships.length + payloads.length, moved: objects.moved };
}

/** One bounded run of erasure over the queue of deleted tenants (the cron's lifecycle run). */
export async function eraseDeletedTenants(
  db: Database,
  bucket: R2Bucket,
  now: number,
  limits: ErasureLimits = DEFAULT_ERASURE_LIMITS,
  onTenantsChanged?: (ids: readonly string[]) => void,
): Promise<ErasureReport & { backlog: boolean }> {
  const queue = await listErasureQueue(db, { limit: limits.tenantsPerRun });
  const report = { erased: 0, archivedRows: 0, movedObjects: 0, backlog: queue.length === limits.tenantsPerRun };
  for (const tenant of queue) {
    const pass = await eraseOne(db, bucket, tenant, now, limits);
    report.archivedRows += pass.rows;
    report.movedObjects += pass.moved;
    if (pass.done) {
      report.erased++;
      onTenantsChanged?.([tenant.id]);
    } else report.backlog = true;
  }
  return report;
}
