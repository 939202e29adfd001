import type { loginAudits, organizationMemberships } from '../db/schema';
import type { BatchRule, PlannedObject } from './archive-batch';
import { keySegment } from './archive-keys';
import { auditRecord, membershipRecord, tenantRecord, webhookRecord } from './archive-records';
import {
  type ErasedTenant,
  erasureStatements,
  getTenantRow,
  selectAuditsByIds,
  selectMembershipsByIds,
  selectPayloadsByIds,
  type TenantRow,
} from './erasure-store';
import type { WebhookEventRow } from './lifecycle-store';

/**
 * One pass of a tenant's erasure as an archive batch (archive-batch.ts): the same write-ahead plan, so an
 * R2 failure or a crash leaves D1 as it was and the next run writes the same rows under the same keys.
 * Row ids are prefixed by kind (`t:`, `m:`, `a:`, `w:`) since one plan holds rows of four tables.
 */
export type ErasureRow =
  | { kind: 'tenant'; row: TenantRow }
  | { kind: 'membership'; row: typeof organizationMemberships.$inferSelect }
  | { kind: 'audit'; row: typeof loginAudits.$inferSelect }
  | { kind: 'webhook'; row: WebhookEventRow };

/** What the pass's D1 batch needs besides the ids: whose erasure, and whether it is the last pass. */
export type ErasureContext = { tenant: ErasedTenant; finish: boolean; now: number };

export const ERASURE_RULE = 'erasure';

const TAG = { tenant: 't', membership: 'm', audit: 'a', webhook: 'w' } as const;

function idOf(r: ErasureRow): string {
  switch (r.kind) {
    case 'tenant':
      return `t:${r.row.id}`;
    case 'membership':
      return `m:${r.row.id}`;
    case 'audit':
      return `a:${r.row.sessionId}`;
    case 'webhook':
      return `w:${r.row.svixId}`;
  }
}

function record(r: ErasureRow): unknown {
  switch (r.kind) {
    case 'tenant':
      return tenantRecord(r.row);
    case 'membership':
      return membershipRecord(r.row);
    case 'audit':
      return auditRecord(r.row);
    case 'webhook':
      return webhookRecord(r.row);
  }
}

const idsTagged = (ids: readonly string[], kind: keyof typeof TAG) =>
  ids.filter((id) => id.startsWith(`${TAG[kind]}:`)).map((id) => id.slice(2));

/** The pass's objects under the tenant's deleted prefix: one per kind, named after its first row. */
export function planErasure(prefix: string, rows: readonly ErasureRow[]): PlannedObject[] {
  const parts: [keyof typeof TAG, string][] = [
    ['tenant', '1-tenant'],
    ['membership', '2-memberships'],
    ['audit', '3-audits'],
    ['webhook', '5-webhooks'],
  ];
  return parts.flatMap(([kind, part]) => {
    const ids = rows.filter((r) => r.kind === kind).map(idOf);
    if (ids.length === 0) return [];
    const key =
      kind === 'tenant'
        ? `${prefix}${part}.ndjson.gz`
        : `${prefix}${part}-${keySegment(ids[0]?.slice(2) ?? '')}.ndjson.gz`;
    return [{ key, ids }];
  });
}

export const erasureRule: BatchRule<ErasureRow> = {
  name: ERASURE_RULE,
  idOf,
  record,
  async selectByIds(db, ids) {
    const tenantIds = idsTagged(ids, 'tenant');
    const [tenants, memberships, audits, payloads] = await Promise.all([
      Promise.all(tenantIds.map((id) => getTenantRow(db, id))),
      selectMembershipsByIds(db, idsTagged(ids, 'membership')),
      selectAuditsByIds(db, idsTagged(ids, 'audit')),
      selectPayloadsByIds(db, idsTagged(ids, 'webhook')),
    ]);
    return [
      ...tenants.flatMap((row) => (row ? [{ kind: 'tenant' as const, row }] : [])),
      ...memberships.map((row) => ({ kind: 'membership' as const, row })),
      ...audits.map((row) => ({ kind: 'audit' as const, row })),
      ...payloads.map((row) => ({ kind: 'webhook' as const, row })),
    ];
  },
  deleteByIds(db, ids, context) {
    const ctx = context as ErasureContext;
    return erasureStatements(db, {
      auditIds: idsTagged(ids, 'audit'),
      membershipIds: idsTagged(ids, 'membership'),
      svixIds: idsTagged(ids, 'webhook'),
      finish: ctx.finish ? ctx.tenant : null,
      now: ctx.now,
    });
  },
};
