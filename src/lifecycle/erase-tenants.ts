import type { Database } from '../db/database';
import { readJobState } from '../db/job-state';
import { utcDay } from '../lib/utc-day';
import { archivePlanned, onArchive, PENDING_BATCH_JOB, type PendingBatch } from './archive-batch';
import {
  deletedTenantPrefix,
  keySegment,
  tenantAuditPrefix,
  tenantWebhookPrefix,
  twinWebhookKey,
} from './archive-keys';
import { ERASURE_RULE, type ErasureContext, type ErasureRow, erasureRule, planErasure } from './erasure-rule';
import {
  listErasureQueue,
  selectTenantAudits,
  selectTenantMemberships,
  selectTenantPayloads,
  startErasure,
  type TenantRow,
} from './erasure-store';

export type ErasureLimits = { tenantsPerRun: number; rowsPerKind: number; objectsPerTenant: number };
export const DEFAULT_ERASURE_LIMITS: ErasureLimits = { tenantsPerRun: 10, rowsPerKind: 1000, objectsPerTenant: 100 };

export type ErasureReport = { erased: number; archivedRows: number; movedObjects: number };

/** The deleted tenant's archive prefix: `deleted/<UTC day of its deletion>/<tenant>/`. */
export function deletedPrefixOf(tenant: TenantRow, now: number): string {
  return deletedTenantPrefix({ tenantId: tenant.id, day: utcDay(tenant.archivedAt ?? now) });
}

/**
 * Moves the tenant's earlier archive objects (`audit/<tenant>/…`, `webhook/<tenant>/…`) under its deleted
 * prefix, so all of it expires together (RETAIN_DELETED_TENANT_DAYS). Each object is copied to a key named
 * after its source, then the source (and a pair object's twin) deleted: a re-run after a crash copies what is
 * left, never twice. R2 only, so no write-ahead plan is needed: the source is the plan.
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
      // A pair object's twin (the same events under the other tenant) goes too: it names this tenant.
      const twin = twinWebhookKey(object.key);
      await onArchive('delete', () => bucket.delete(twin ? [object.key, twin] : object.key));
      moved++;
    }
    if (page.truncated) complete = false;
  }
  return { moved, complete };
}

/**
 * Erasure of one deleted tenant, one bounded pass. 1. the fence (`erasure_started_at`): from here on no write
 * naming the tenant keeps anything personal; 2. its earlier archive objects move under its deleted prefix;
 * 3. its profile, memberships, audits and stored payloads are archived there and removed from D1 as one
 * write-ahead batch (archive-batch.ts). The pass that finds nothing more also removes, by predicate, whatever
 * still names the tenant (behind the fence: only rows it just archived), scrubs the profile and sets `erased_at`.
 */
async function eraseOne(db: Database, bucket: R2Bucket, queued: TenantRow, now: number, limits: ErasureLimits) {
  const tenant = (await startErasure(db, { tenantId: queued.id, now })) ?? queued;
  const prefix = deletedPrefixOf(tenant, now);
  const objects = await moveArchivedObjects(bucket, tenant, prefix, limits.objectsPerTenant);
  const limit = limits.rowsPerKind;
  const [audits, memberships, payloads] = await Promise.all([
    tenant.kind === 'user' ? selectTenantAudits(db, { tenantId: tenant.id, limit }) : Promise.resolve([]),
    selectTenantMemberships(db, { tenant, limit }),
    selectTenantPayloads(db, { tenant, limit }),
  ]);
  const done = objects.complete && audits.length < limit && memberships.length < limit && payloads.length < limit;
  // The profile as it was is part of every pass (rewritten identically until the tenant is scrubbed).
  const rows: ErasureRow[] = [
    { kind: 'tenant', row: tenant },
    ...memberships.map((row) => ({ kind: 'membership' as const, row })),
    ...audits.map((row) => ({ kind: 'audit' as const, row })),
    ...payloads.map((row) => ({ kind: 'webhook' as const, row })),
  ];
  const context: ErasureContext = { tenant: { id: tenant.id, kind: tenant.kind }, finish: done, now };
  const pending = { rule: ERASURE_RULE, objects: planErasure(prefix, rows), context };
  await archivePlanned(db, bucket, erasureRule, pending, rows, now);
  return { done, rows: rows.length - 1, moved: objects.moved };
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

/** The tenant whose last erasure pass an earlier run saved but did not complete (the next run resumes it), or null. */
export async function pendingErasureFinish(db: Database): Promise<string | null> {
  const pending = await readJobState<PendingBatch>(db, { name: PENDING_BATCH_JOB });
  if (pending?.rule !== ERASURE_RULE) return null;
  const context = pending.context as Partial<ErasureContext> | undefined;
  return context?.finish === true && typeof context.tenant?.id === 'string' ? context.tenant.id : null;
}
