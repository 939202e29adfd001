import type { loginAudits, organizationMemberships, tenants } from '../db/schema';
import { iso } from '../lib/schemas';
import type { WebhookEventRow } from './lifecycle-store';

/**
 * One archived row as one NDJSON line: `kind` first, times as ISO-8601 strings, as the API shows them. The
 * export (`GET /v1/admin/tenants/:id/export`) emits the same lines for hot rows, so an archived line passes
 * through unchanged.
 */
export type AuditRecord = ReturnType<typeof auditRecord>;

export function auditRecord(a: typeof loginAudits.$inferSelect) {
  return {
    kind: 'audit' as const,
    tenantId: a.tenantId,
    sessionId: a.sessionId,
    userId: a.userId,
    status: a.status,
    ip: a.ip,
    userAgent: a.userAgent,
    createdAt: iso(a.createdAt),
    endedAt: iso(a.endedAt),
  };
}

export function tenantRecord(t: typeof tenants.$inferSelect) {
  return {
    kind: 'tenant' as const,
    id: t.id,
    tenantKind: t.kind,
    status: t.status,
    name: t.name,
    email: t.email,
    slug: t.slug,
    imageUrl: t.imageUrl,
    source: t.source,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    archivedAt: iso(t.archivedAt),
  };
}

export function membershipRecord(m: typeof organizationMemberships.$inferSelect) {
  return {
    kind: 'membership' as const,
    id: m.id,
    orgId: m.orgId,
    userId: m.userId,
    role: m.role,
    permissions: m.permissions,
    status: m.status,
    createdAt: iso(m.createdAt),
    deletedAt: iso(m.deletedAt),
  };
}

/** A stored webhook event, payload included (the raw body as Clerk signed it). */
export function webhookRecord(w: WebhookEventRow) {
  return {
    kind: 'webhook' as const,
    svixId: w.svixId,
    type: w.type,
    status: w.status,
    attempts: w.attempts,
    lastError: w.lastError,
    userId: w.userId,
    orgId: w.orgId,
    eventAt: iso(w.eventAt),
    receivedAt: iso(w.receivedAt),
    payload: w.payload,
  };
}
