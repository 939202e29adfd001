import type { Database } from '../db/database';
import { readJobState, writeJobState } from '../db/job-state';
import { onArchive } from './archive-batch';
import { ARCHIVE_PREFIX, dayOfSegment, dayOfTenantKey } from './archive-keys';

/**
 * Archived objects expire on their own schedule. In production an R2 lifecycle rule per prefix can do it
 * too, but `wrangler dev` and the tests do not simulate those rules, so the cron deletes by key:
 * - `audit/` and `webhook/` (tenant first, so a tenant's export is one listing): a sweep through the
 *   listing with a saved cursor, a bounded number of pages per run, deleting keys whose day is before
 *   `beforeDay`; when it reaches the end it starts over.
 * - `deleted/` (day first): every day prefix before `deletedBeforeDay` is deleted whole.
 */
export type ExpiryArgs = { beforeDay: string; deletedBeforeDay: string; pages: number; now: number };

const SWEEP_JOB = 'lifecycle.expiry_sweep';
type SweepState = { prefix: 'audit/' | 'webhook/'; cursor: string | null };

export async function expireArchive(db: Database, bucket: R2Bucket, args: ExpiryArgs): Promise<number> {
  let deleted = 0;
  let pages = args.pages;
  const saved = await readJobState<SweepState>(db, { name: SWEEP_JOB });
  let state: SweepState = saved ?? { prefix: 'audit/', cursor: null };
  while (pages > 0) {
    pages--;
    const page = await onArchive('list', () =>
      bucket.list({ prefix: state.prefix, limit: 1000, ...(state.cursor ? { cursor: state.cursor } : {}) }),
    );
    const expired = page.objects.map((o) => o.key).filter((k) => (dayOfTenantKey(k) ?? '9999') < args.beforeDay);
    if (expired.length > 0) await onArchive('delete', () => bucket.delete(expired));
    deleted += expired.length;
    if (page.truncated) state = { prefix: state.prefix, cursor: page.cursor };
    else {
      // This prefix is swept; the other one next (one full pass of both, then again).
      state = { prefix: state.prefix === 'audit/' ? 'webhook/' : 'audit/', cursor: null };
      if (state.prefix === 'audit/') break;
    }
  }
  await writeJobState(db, { name: SWEEP_JOB, value: state, now: args.now });
  return deleted + (await expireDeletedTenants(bucket, args.deletedBeforeDay, Math.max(pages, 1)));
}

/** Deletes whole `deleted/<day>/` prefixes before `beforeDay`, oldest first, up to `pages` listings. */
async function expireDeletedTenants(bucket: R2Bucket, beforeDay: string, pages: number): Promise<number> {
  const days = await onArchive('list', () =>
    bucket.list({ prefix: ARCHIVE_PREFIX.deleted, delimiter: '/', limit: 1000 }),
  );
  let deleted = 0;
  for (const prefix of days.delimitedPrefixes) {
    const day = dayOfSegment(prefix.slice(ARCHIVE_PREFIX.deleted.length, -1));
    if (day === null) continue;
    if (day >= beforeDay) break; // listed in key order: the rest are newer
    for (let truncated = true; truncated && pages > 0; pages--) {
      const page = await onArchive('list', () => bucket.list({ prefix, limit: 1000 }));
      if (page.objects.length > 0) await onArchive('delete', () => bucket.delete(page.objects.map((o) => o.key)));
      deleted += page.objects.length;
      truncated = page.truncated;
    }
    if (pages === 0) break;
  }
  return deleted;
}
