/**
 * The layout of the `ARCHIVE` bucket (docs/data-lifecycle.md). Every object is gzip-compressed NDJSON.
 *
 *   audit/<tenant>/<day>/<first session>.ndjson.gz     login audits that left D1 (day: the newest audit's UTC day)
 *   webhook/<tenant>/<day>/<first svix id>.ndjson.gz    failed events archived at RETAIN_WEBHOOK_RECORD_DAYS
 *   webhook/<tenant>/<day>/<first svix id>--<other tenant>.ndjson.gz
 *                                                      failed events naming a user AND an organization: one copy
 *                                                      under each, each naming its twin (erasure removes both)
 *   deleted/<day>/<tenant>/<part>.ndjson.gz             a deleted tenant's data (day: its deletion's UTC day)
 *
 * Ids become key segments only through `keySegment`: a segment never holds `/`, `.`, `%` or `~` unless
 * encoded, so no id (`..`, `a/../b`, `%2F`, `user_x/`) can name a path of another tenant's objects.
 */
export const ARCHIVE_PREFIX = { audit: 'audit/', webhook: 'webhook/', deleted: 'deleted/' } as const;

const PLAIN = /^[A-Za-z0-9_]{1,128}$/;
const hex = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * An id as one key segment: Clerk's ids (`user_…`, `org_…`, `sess_…`, `msg_…`) as they are; anything else
 * as `~` + the hex of its UTF-8 bytes. Injective (a plain segment never starts with `~`), and every output
 * matches `[A-Za-z0-9_~]+`.
 */
export function keySegment(id: string): string {
  return PLAIN.test(id) ? id : `~${hex(id)}`;
}

/** The UTC `yyyy-mm-dd` a key segment carries (`utcDay`), or null when the segment is not one. */
export function dayOfSegment(segment: string | undefined): string | null {
  return segment !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(segment) ? segment : null;
}

export function auditKey(args: { tenantId: string; day: string; firstSessionId: string }): string {
  return `${tenantAuditPrefix(args.tenantId)}${args.day}/${keySegment(args.firstSessionId)}.ndjson.gz`;
}

/** Every archived audit object of one tenant (the export lists it). */
export function tenantAuditPrefix(tenantId: string): string {
  return `${ARCHIVE_PREFIX.audit}${keySegment(tenantId)}/`;
}

export function webhookKey(args: { tenantId: string | null; day: string; firstSvixId: string; twin?: string }): string {
  const twin = args.twin === undefined ? '' : `${TWIN}${keySegment(args.twin)}`;
  return `${tenantWebhookPrefix(args.tenantId)}${args.day}/${keySegment(args.firstSvixId)}${twin}.ndjson.gz`;
}

/** Separates a pair object's first svix id from its twin's tenant (a key segment never holds `-`). */
const TWIN = '--';

/**
 * The twin of a pair object (`webhook/<a>/<day>/<first>--<b>.ndjson.gz` ⇄ `webhook/<b>/<day>/<first>--<a>…`),
 * or null when the key names no twin.
 */
export function twinWebhookKey(key: string): string | null {
  const m = /^webhook\/([A-Za-z0-9_~]+)\/(\d{4}-\d{2}-\d{2})\/([A-Za-z0-9_~]+)--([A-Za-z0-9_~]+)\.ndjson\.gz$/.exec(
    key,
  );
  return m ? `${ARCHIVE_PREFIX.webhook}${m[4]}/${m[2]}/${m[3]}${TWIN}${m[1]}.ndjson.gz` : null;
}

/** Failed events naming no tenant live under `webhook/~/`. */
export function tenantWebhookPrefix(tenantId: string | null): string {
  return `${ARCHIVE_PREFIX.webhook}${tenantId === null ? '~' : keySegment(tenantId)}/`;
}

/** A deleted tenant's archive, under the day of its erasure (expired as a whole by day). */
export function deletedTenantPrefix(args: { tenantId: string; day: string }): string {
  return `${ARCHIVE_PREFIX.deleted}${args.day}/${keySegment(args.tenantId)}/`;
}

/**
 * The day an `audit/` or `webhook/` key carries (its third segment), or null when the key is not of that
 * layout (never deleted by the expiry sweep).
 */
export function dayOfTenantKey(key: string): string | null {
  const parts = key.split('/');
  return parts.length === 4 ? dayOfSegment(parts[2]) : null;
}
