import { utcDay } from '../lib/utc-day';
import type { ArchiveRule, PlannedObject } from './archive-batch';
import { auditKey, webhookKey } from './archive-keys';
import { auditRecord, webhookRecord } from './archive-records';
import {
  deleteAuditsByIds,
  deleteEventsByIds,
  type LoginAuditRow,
  selectAuditsByIds,
  selectEventsByIds,
  type WebhookEventRow,
} from './lifecycle-store';

/** Groups rows by tenant, keeping their order; one object per tenant, keyed by its first row. */
function planByTenant<Row>(
  rows: readonly Row[],
  tenantOf: (row: Row) => string | null,
  keyOf: (tenantId: string | null, group: Row[]) => string,
  idOf: (row: Row) => string,
): PlannedObject[] {
  const groups = new Map<string | null, Row[]>();
  for (const row of rows) {
    const tenant = tenantOf(row);
    const group = groups.get(tenant);
    if (group) group.push(row);
    else groups.set(tenant, [row]);
  }
  return [...groups].map(([tenant, group]) => ({ key: keyOf(tenant, group), ids: group.map(idOf) }));
}

const newestDay = (times: number[]) => utcDay(Math.max(...times));

/** Login audits past RETAIN_AUDIT_HOT_DAYS: `audit/<tenant>/<newest day>/<first session>.ndjson.gz`. */
export const auditRule: ArchiveRule<LoginAuditRow> = {
  name: 'audit',
  idOf: (a) => a.sessionId,
  plan: (rows) =>
    planByTenant(
      rows,
      (a) => a.tenantId,
      (tenantId, group) =>
        auditKey({
          tenantId: tenantId ?? '',
          day: newestDay(group.map((a) => a.createdAt)),
          firstSessionId: group[0]?.sessionId ?? '',
        }),
      (a) => a.sessionId,
    ),
  record: auditRecord,
  selectByIds: (db, ids) => selectAuditsByIds(db, ids),
  deleteByIds: deleteAuditsByIds,
};

/** Failed events past RETAIN_WEBHOOK_RECORD_DAYS: `webhook/<tenant>/<newest day>/<first svix id>.ndjson.gz`. */
export const failedEventRule: ArchiveRule<WebhookEventRow> = {
  name: 'webhook',
  idOf: (w) => w.svixId,
  plan: (rows) =>
    planByTenant(
      rows,
      (w) => w.userId ?? w.orgId,
      (tenantId, group) =>
        webhookKey({
          tenantId,
          day: newestDay(group.map((w) => w.receivedAt)),
          firstSvixId: group[0]?.svixId ?? '',
        }),
      (w) => w.svixId,
    ),
  record: webhookRecord,
  selectByIds: (db, ids) => selectEventsByIds(db, ids),
  deleteByIds: deleteEventsByIds,
};
