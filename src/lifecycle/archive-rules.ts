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

/**
 * Groups rows by tenant (or pair of tenants), keeping their order; one object per key of a group, the keys
 * named after its first row and the newest day in it.
 */
function planByTenant<Row>(
  rows: readonly Row[],
  groupOf: (row: Row) => string | null,
  keysOf: (group: string | null, firstId: string, day: string) => string[],
  idOf: (row: Row) => string,
  timeOf: (row: Row) => number,
): PlannedObject[] {
  const groups = new Map<string | null, Row[]>();
  for (const row of rows) {
    const key = groupOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups].flatMap(([group, members]) => {
    const ids = members.map(idOf);
    const day = utcDay(Math.max(...members.map(timeOf)));
    return keysOf(group, ids[0] ?? '', day).map((key) => ({ key, ids }));
  });
}

/** Login audits past RETAIN_AUDIT_HOT_DAYS: `audit/<tenant>/<newest day>/<first session>.ndjson.gz`. */
export const auditRule: ArchiveRule<LoginAuditRow> = {
  name: 'audit',
  idOf: (a) => a.sessionId,
  plan: (rows) =>
    planByTenant(
      rows,
      (a) => a.tenantId,
      (tenantId, firstSessionId, day) => [auditKey({ tenantId: tenantId ?? '', day, firstSessionId })],
      (a) => a.sessionId,
      (a) => a.createdAt,
    ),
  record: auditRecord,
  selectByIds: (db, ids) => selectAuditsByIds(db, ids),
  deleteByIds: (db, ids) => [deleteAuditsByIds(db, ids)],
};

/**
 * Failed events past RETAIN_WEBHOOK_RECORD_DAYS: `webhook/<tenant>/<newest day>/<first svix id>.ndjson.gz`.
 * Events naming a user and an organization (memberships) are grouped by the pair and written under both, as
 * `…/<first svix id>--<other tenant>.ndjson.gz`: the erasure of either finds its copy and removes the twin.
 */
export const failedEventRule: ArchiveRule<WebhookEventRow> = {
  name: 'webhook',
  idOf: (w) => w.svixId,
  plan: (rows) =>
    planByTenant(
      rows,
      (w) => (w.userId !== null && w.orgId !== null ? JSON.stringify([w.userId, w.orgId]) : (w.userId ?? w.orgId)),
      (group, firstSvixId, day) => {
        const pair = group === null || !group.startsWith('[') ? null : (JSON.parse(group) as [string, string]);
        if (!pair) return [webhookKey({ tenantId: group, day, firstSvixId })];
        const [user, org] = pair;
        return [
          webhookKey({ tenantId: user, day, firstSvixId, twin: org }),
          webhookKey({ tenantId: org, day, firstSvixId, twin: user }),
        ];
      },
      (w) => w.svixId,
      (w) => w.receivedAt,
    ),
  record: webhookRecord,
  selectByIds: (db, ids) => selectEventsByIds(db, ids),
  deleteByIds: (db, ids) => [...deleteEventsByIds(db, ids)],
};
