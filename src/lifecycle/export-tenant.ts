import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { loginAudits, organizationMemberships } from '../db/schema';
import { ArchiveError, onArchive } from './archive-batch';
import { tenantAuditPrefix } from './archive-keys';
import { auditRecord, membershipRecord, tenantRecord } from './archive-records';
import { deletedPrefixOf } from './erase-tenants';
import { getTenantRow, type TenantRow } from './erasure-store';
import { ndjsonGzipLines } from './ndjson-gzip';

/** The kinds an export carries (DESIGN.md): archived webhook payloads stay operator-only. */
const EXPORTED_KINDS = new Set(['tenant', 'membership', 'audit']);
const PAGE = 500;

export type ExportSource = { db: Database; bucket: R2Bucket; tenantId: string; now: number };

/** What is known about a tenant, or null when nothing is (404): a row, a hot audit, or an archived object. */
export async function findExportable(src: ExportSource): Promise<{ tenant: TenantRow | null } | null> {
  const tenant = (await getTenantRow(src.db, src.tenantId)) ?? null;
  if (tenant) return { tenant };
  const audit = await src.db
    .select({ id: loginAudits.sessionId })
    .from(loginAudits)
    .where(eq(loginAudits.tenantId, src.tenantId))
    .limit(1)
    .get();
  if (audit) return { tenant: null };
  const archived = await onArchive('list', () =>
    src.bucket.list({ prefix: tenantAuditPrefix(src.tenantId), limit: 1 }),
  );
  return archived.objects.length > 0 ? { tenant: null } : null;
}

/** Whether the export already carries its one tenant line (the hot row is preferred, then the first archived). */
type Seen = { tenant: boolean };

async function* archivedLines(bucket: R2Bucket, prefix: string, seen: Seen): AsyncGenerator<string> {
  for (let cursor: string | undefined, more = true; more; ) {
    const page = await onArchive('list', () => bucket.list({ prefix, ...(cursor ? { cursor } : {}) }));
    for (const object of page.objects) {
      const body = await onArchive('get', () => bucket.get(object.key));
      if (!body) continue;
      yield* objectLines(body.body, seen);
    }
    more = page.truncated;
    cursor = page.truncated ? page.cursor : undefined;
  }
}

/**
 * The exported lines of one archived object. A corrupt object (not gzip, or a line that is not JSON) is an
 * ArchiveError like a failed read: 503 `storage_unavailable` before the answer starts, a cut stream after.
 */
async function* objectLines(body: ReadableStream, seen: Seen): AsyncGenerator<string> {
  try {
    for await (const line of ndjsonGzipLines(body)) {
      const kind = (JSON.parse(line) as { kind?: unknown }).kind;
      if (typeof kind !== 'string' || !EXPORTED_KINDS.has(kind)) continue;
      // A tenant archived but not yet erased has its D1 row and the archive's `1-tenant` part; an erasure under
      // way at a deploy may have left both `tenant` and `1-tenant` parts: the tenant is exported once.
      if (kind === 'tenant') {
        if (seen.tenant) continue;
        seen.tenant = true;
      }
      yield line;
    }
  } catch (err) {
    throw err instanceof ArchiveError ? err : new ArchiveError('read', err);
  }
}

async function* hotMemberships(db: Database, tenant: TenantRow): AsyncGenerator<string> {
  const m = organizationMemberships;
  const naming = tenant.kind === 'user' ? eq(m.userId, tenant.id) : eq(m.orgId, tenant.id);
  for (let after = ''; ; ) {
    const rows = await db
      .select()
      .from(m)
      .where(and(naming, gt(m.id, after)))
      .orderBy(asc(m.id))
      .limit(PAGE);
    for (const row of rows) yield JSON.stringify(membershipRecord(row));
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.id ?? after;
  }
}

async function* hotAudits(db: Database, tenantId: string): AsyncGenerator<string> {
  const a = loginAudits;
  type Position = { createdAt: number; sessionId: string };
  for (let after: Position | null = null; ; ) {
    const position: ReturnType<typeof sql> | undefined = after
      ? or(gt(a.createdAt, after.createdAt), and(eq(a.createdAt, after.createdAt), gt(a.sessionId, after.sessionId)))
      : sql`1 = 1`;
    const rows: (typeof loginAudits.$inferSelect)[] = await db
      .select()
      .from(a)
      .where(and(eq(a.tenantId, tenantId), position))
      .orderBy(asc(a.createdAt), asc(a.sessionId))
      .limit(PAGE);
    for (const row of rows) yield JSON.stringify(auditRecord(row));
    const last: typeof loginAudits.$inferSelect | undefined = rows[rows.length - 1];
    if (!last || rows.length < PAGE) return;
    after = { createdAt: last.createdAt, sessionId: last.sessionId };
  }
}

/**
 * Every line of a tenant's export, produced as it is read (pages of 500 rows, archived objects decompressed
 * as they stream): the tenant (from D1, or from its deleted archive once erased; once), memberships, hot audits,
 * archived audits. Nothing is built whole in memory.
 */
export async function* tenantExportLines(src: ExportSource, tenant: TenantRow | null): AsyncGenerator<string> {
  const seen: Seen = { tenant: false };
  if (tenant && tenant.erasedAt === null) {
    seen.tenant = true;
    yield JSON.stringify(tenantRecord(tenant));
  }
  if (tenant) yield* hotMemberships(src.db, tenant);
  yield* hotAudits(src.db, src.tenantId);
  yield* archivedLines(src.bucket, tenantAuditPrefix(src.tenantId), seen);
  if (tenant && tenant.status === 'archived') yield* archivedLines(src.bucket, deletedPrefixOf(tenant, src.now), seen);
}

/**
 * A tenant's export, its first line already read, or null when there is nothing to export (404: unknown, or an
 * erased tenant whose archive expired, of which only the scrubbed tombstone is left). Reading the first line
 * before answering lets an R2 failure there be a 503 rather than a cut 200. Throws ArchiveError (R2) or D1's error.
 */
export async function openExport(src: ExportSource): Promise<AsyncGenerator<string> | null> {
  const known = await findExportable(src);
  if (!known) return null;
  const lines = tenantExportLines(src, known.tenant);
  const first = await lines.next();
  if (first.done) return null;
  return (async function* () {
    yield first.value;
    yield* lines;
  })();
}

/**
 * The lines as an NDJSON byte stream (one object per line), pulled as the client reads. A complete export ends
 * with `{"kind":"end","lines":<n>}` (n: the lines before it); a stream cut by a failure (R2, D1, the invocation's
 * subrequest limit) ends without it, so a reader can tell a complete export from a cut one.
 */
export function ndjsonStream(
  lines: AsyncGenerator<string>,
  onError: (err: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let count = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) {
          controller.enqueue(encoder.encode(`${JSON.stringify({ kind: 'end', lines: count })}\n`));
          controller.close();
        } else {
          count++;
          controller.enqueue(encoder.encode(`${next.value}\n`));
        }
      } catch (err) {
        onError(err);
        controller.error(err);
      }
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}
