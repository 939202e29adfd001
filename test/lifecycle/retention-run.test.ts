import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { DAILY_ACTIVE_KEEP_DAYS } from '../../src/lib/usage-window';
import { PENDING_BATCH_JOB } from '../../src/lifecycle/archive-batch';
import { tenantAuditPrefix } from '../../src/lifecycle/archive-keys';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver } from '../helpers/webhooks';
import {
  archivedRecords,
  archiveKeys,
  clockedApp,
  count,
  DAY_MS,
  lifecycleAt,
  one,
  resetLifecycleState,
  userWithSession,
} from './support';

const T0 = Date.UTC(2030, 0, 10, 12);
/** Stored events whose payload row is gone (retention deletes it; migration 0009). */
const WITHOUT_PAYLOAD =
  'select * from webhook_events e where not exists (select 1 from webhook_payloads p where p.svix_id = e.svix_id)';

beforeEach(resetLifecycleState);

/** A delivery the fold refuses for good (a session naming an organization as its user): stored `failed`. */
async function failedEvent(app: ReturnType<typeof clockedApp>['app'], at: number) {
  const event = clerkEvent('session.created', { id: uid('sess'), user_id: 'org_notauser', created_at: at }, at);
  const { res, svixId } = await deliver(event, { app });
  expect(res.status).toBe(400);
  return svixId;
}

describe('retention, with the cron clock moved 1, 8, 31, 91, 121 and 401 days past a burst', () => {
  it('drops payloads, then records, archives failed events and audits, trims MAU rows, expires the archive', async () => {
    const { app } = clockedApp(T0);
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await userWithSession(app, T0 + i));
    const failed = await failedEvent(app, T0);
    expect(await count('select * from webhook_events')).toBe(10);

    // +1 day: nothing is due.
    expect(await lifecycleAt(T0 + DAY_MS)).toMatchObject({ archived: 0, deleted: 0, pending: 0 });
    expect(await count(WITHOUT_PAYLOAD)).toBe(0);

    // +8 days: done payloads dropped, records kept; the failed event keeps its payload.
    expect(await lifecycleAt(T0 + 8 * DAY_MS)).toMatchObject({ deleted: 9, detail: { payloadsDropped: 9 } });
    expect(await count(WITHOUT_PAYLOAD)).toBe(9);
    // Deleted as whole rows (their pages reused), not emptied in place: only the failed event's is left.
    expect(await count('select * from webhook_payloads')).toBe(1);
    expect(
      await one(
        'select status, exists (select 1 from webhook_payloads p where p.svix_id = e.svix_id) as kept ' +
          'from webhook_events e where svix_id = ?',
        failed,
      ),
    ).toEqual({
      status: 'failed',
      kept: 1,
    });

    // +31 days: records deleted; the failed event archived (payload and all), then deleted.
    const r31 = await lifecycleAt(T0 + 31 * DAY_MS);
    expect(r31.detail).toMatchObject({ recordsDeleted: 9, failedEventsArchived: 1 });
    expect(await count('select * from webhook_events')).toBe(0);
    expect(await count('select * from webhook_payloads')).toBe(0);
    const [webhookKey, ...more] = await archiveKeys('webhook/');
    expect(more).toEqual([]);
    expect(webhookKey).toMatch(/^webhook\/~\/2030-01-10\/msg_[A-Za-z0-9]+\.ndjson\.gz$/);
    const [archivedEvent] = await archivedRecords(webhookKey as string);
    expect(archivedEvent).toMatchObject({ kind: 'webhook', svixId: failed, status: 'failed', type: 'session.created' });
    expect(JSON.parse(String(archivedEvent?.payload))).toMatchObject({ type: 'session.created' });

    // +38 days: MAU rows past DAILY_ACTIVE_KEEP_DAYS (37) gone; per-day counts and first/last days stay (MRU).
    expect(await count('select * from daily_active_users')).toBe(3);
    const perUser = await count('select * from user_last_active');
    expect(perUser).toBeGreaterThan(0);
    await lifecycleAt(T0 + (DAILY_ACTIVE_KEEP_DAYS - 1) * DAY_MS);
    expect(await count('select * from daily_active_users')).toBe(3);
    await lifecycleAt(T0 + (DAILY_ACTIVE_KEEP_DAYS + 1) * DAY_MS);
    expect(await count('select * from daily_active_users')).toBe(0);
    expect(await count('select * from user_last_active')).toBe(perUser);
    expect(await count('select * from daily_active_counts where day = ?', '2030-01-10')).toBe(1);

    // +91 days: audits archived per tenant and removed from D1.
    expect(await count('select * from login_audits')).toBe(3);
    const r91 = await lifecycleAt(T0 + 91 * DAY_MS);
    expect(r91.detail).toMatchObject({ auditsArchived: 3 });
    expect(await count('select * from login_audits')).toBe(0);
    for (const u of users) {
      const [key, ...others] = await archiveKeys(tenantAuditPrefix(u.user));
      expect(others).toEqual([]);
      expect(await archivedRecords(key as string)).toEqual([
        expect.objectContaining({
          kind: 'audit',
          tenantId: u.user,
          sessionId: u.session,
          status: 'ended',
          ip: '203.0.113.7',
          userAgent: 'vitest/1.0',
        }),
      ]);
    }

    // +401 days: archived audits and events past RETAIN_AUDIT_ARCHIVE_DAYS expire from R2.
    expect(await archiveKeys('')).toHaveLength(4);
    const r401 = await lifecycleAt(T0 + 401 * DAY_MS);
    expect(r401.detail.objectsExpired).toBe(4);
    expect(await archiveKeys('')).toEqual([]);
  });
});

describe('bounded work', () => {
  it('works in batches: a backlog drains over several runs and readiness sees it pending', async () => {
    const { app } = clockedApp(T0);
    for (let i = 0; i < 5; i++) await userWithSession(app, T0 + i);
    const limits = { batchRows: 2, archiveRows: 2, batchesPerRule: 1, listPagesPerRun: 1 };
    const first = await lifecycleAt(T0 + 91 * DAY_MS, {}, limits);
    expect(first.detail).toMatchObject({ auditsArchived: 2, payloadsDropped: 2, recordsDeleted: 2 });
    expect(first.pending).toBeGreaterThan(0);
    let runs = 1;
    while ((await lifecycleAt(T0 + 91 * DAY_MS, {}, limits)).pending > 0) runs++;
    expect(runs).toBeGreaterThan(3);
    expect(await count('select * from login_audits')).toBe(0);
    expect(await count('select * from webhook_events')).toBe(0);
    expect(await archiveKeys('audit/')).toHaveLength(5);
  });
});

describe('export-then-delete', () => {
  /** An archive whose writes fail (after `writeFirst` really writing), to stand for R2 down or a crash. */
  function failingBucket(writeFirst: boolean): R2Bucket {
    return new Proxy(env.ARCHIVE, {
      get(target, prop, receiver) {
        if (prop === 'put')
          return async (...args: Parameters<R2Bucket['put']>) => {
            if (writeFirst) await target.put(...args);
            throw new Error('R2 unavailable');
          };
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  for (const writeFirst of [false, true]) {
    it(`deletes nothing when R2 fails${writeFirst ? ' after writing' : ''}; the next run neither loses nor duplicates`, async () => {
      const { app } = clockedApp(T0);
      const users = [await userWithSession(app, T0), await userWithSession(app, T0 + 1)];
      const failing = await lifecycleAt(T0 + 91 * DAY_MS, {}, undefined, failingBucket(writeFirst));
      expect(failing).toMatchObject({ error: 'r2_failed' });
      expect(failing.pending).toBeGreaterThan(0);
      expect(await count('select * from login_audits')).toBe(2);
      expect(await count('select * from job_state where name = ?', PENDING_BATCH_JOB)).toBe(1);
      expect(await archiveKeys('audit/')).toHaveLength(writeFirst ? 2 : 0);

      const retried = await lifecycleAt(T0 + 91 * DAY_MS);
      expect(retried.error).toBeUndefined();
      expect(await count('select * from login_audits')).toBe(0);
      expect(await count('select * from job_state where name = ?', PENDING_BATCH_JOB)).toBe(0);
      const keys = await archiveKeys('audit/');
      expect(keys).toHaveLength(2);
      const sessions = (await Promise.all(keys.map(archivedRecords))).flat().map((r) => r.sessionId);
      expect(sessions.sort()).toEqual(users.map((u) => u.session).sort());
    });
  }
});
