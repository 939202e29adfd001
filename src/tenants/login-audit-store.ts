import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { keysetPage } from '../db/keyset';
import { loginAudits } from '../db/schema';

export type LoginAudit = typeof loginAudits.$inferSelect;
/** Where a page ended: the last row's sort key. */
export type AuditPosition = { createdAt: number; sessionId: string };

export type ListLoginAuditsArgs = {
  tenantId: string;
  limit: number;
  /** Keyset: rows strictly after this position in (created_at desc, session_id desc) order. */
  after?: AuditPosition | undefined;
  /** Inclusive lower bound on created_at (ms). */
  from?: number | undefined;
  /** Exclusive upper bound on created_at (ms). */
  to?: number | undefined;
  status?: string | undefined;
};

/**
 * One page of a tenant's login audits, newest first, by keyset pagination on the
 * `(tenant_id, created_at, session_id)` index: page 2,000 costs what page 1 costs
 * (see bench/api.bench.mjs). Always scoped to `tenantId`, whatever the cursor says.
 */
export async function listLoginAudits(
  db: Database,
  args: ListLoginAuditsArgs,
): Promise<{ rows: LoginAudit[]; next: AuditPosition | null }> {
  const { after } = args;
  const rows = await db
    .select()
    .from(loginAudits)
    .where(
      and(
        eq(loginAudits.tenantId, args.tenantId),
        args.from === undefined ? undefined : gte(loginAudits.createdAt, args.from),
        args.to === undefined ? undefined : lt(loginAudits.createdAt, args.to),
        args.status === undefined ? undefined : eq(loginAudits.status, args.status),
        // A row value comparison is one index range constraint in SQLite.
        after === undefined
          ? undefined
          : sql`(${loginAudits.createdAt}, ${loginAudits.sessionId}) < (${after.createdAt}, ${after.sessionId})`,
      ),
    )
    .orderBy(desc(loginAudits.createdAt), desc(loginAudits.sessionId))
    .limit(args.limit + 1);
  return keysetPage(rows, args.limit, (r) => ({ createdAt: r.createdAt, sessionId: r.sessionId }));
}
