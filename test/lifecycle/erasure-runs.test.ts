import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, membershipEvent } from '../helpers/webhooks';
import {
  archivedRecords,
  archiveKeys,
  clockedApp,
  count,
  DAY_MS,
  foundInD1,
  lifecycleAt,
  one,
  resetLifecycleState,
  userWithSession,
} from './support';

/** Erasure while other writes land, when R2 fails, and for events naming a user and an organization. */

const T0 = Date.UTC(2030, 4, 1, 12);
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

beforeEach(resetLifecycleState);

/** The archive, with a hook run before each `put` (and that `put` then written, or failed, as the hook says). */
function hookedBucket(beforePut: (key: string) => Promise<'write' | 'fail' | 'write-then-fail'>): R2Bucket {
  return new Proxy(env.ARCHIVE, {
    get(target, prop, receiver) {
      if (prop === 'put')
        return async (...args: Parameters<R2Bucket['put']>) => {
          const what = await beforePut(args[0]);
          if (what === 'fail') throw new Error('R2 unavailable');
          const written = await target.put(...args);
          if (what === 'write-then-fail') throw new Error('R2 answer lost');
          return written;
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A `session.created` from another address and browser than the rest of the test's traffic. */
function sessionFrom(user: string, at: number, createdAt = at, ip = '198.51.100.99') {
  const event = clerkEvent(
    'session.created',
    { id: uid('sess'), user_id: user, status: 'active', created_at: createdAt },
    at,
  );
  event.event_attributes.http_request = { client_ip: ip, user_agent: 'midrun/1.0' };
  return event;
}

async function recordsUnder(prefix: string) {
  return (await Promise.all((await archiveKeys(prefix)).map(archivedRecords))).flat();
}

describe('erasure while webhooks keep arriving (review finding a)', () => {
  it('a row written between erasure reads and its last batch keeps nothing personal; what it deleted was archived', async () => {
    const { app, clock } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    await deliver(clerkEvent('user.deleted', { id: u.user, deleted: true }, T0 + 10), { app });
    clock.now = T0 + 60_000;
    let midRun = false;
    const bucket = hookedBucket(async (key) => {
      if (!midRun && key.startsWith('deleted/')) {
        midRun = true;
        const org = uid('org');
        const member = membershipEvent(org, uid('orgmem'), u.user, 'organizationMembership.created', clock.now);
        Object.assign(member.data, { role: 'org:midrun' });
        const profile = clerkEvent(
          'user.updated',
          { id: u.user, first_name: 'Midrun', last_name: 'Person' },
          clock.now,
        );
        for (const e of [sessionFrom(u.user, clock.now), member, profile])
          expect((await deliver(e, { app })).res.status).toBe(200);
      }
      return 'write';
    });
    expect((await lifecycleAt(T0 + 60_000, {}, undefined, bucket)).detail).toMatchObject({ tenantsErased: 1 });
    expect(midRun).toBe(true);
    for (const needle of ['198.51.100.99', 'midrun/1.0', 'org:midrun', 'Midrun', u.email, '203.0.113.7'])
      expect(await foundInD1(needle), needle).toEqual([]);
    expect(await count('select * from login_audits where tenant_id = ?', u.user)).toBe(0);
    // Everything D1 held about the user before erasure began is in its deleted archive.
    const records = await recordsUnder(`deleted/${day(T0 + 10)}/${u.user}/`);
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'tenant', email: u.email }),
        expect.objectContaining({ kind: 'audit', sessionId: u.session, ip: '203.0.113.7' }),
        expect.objectContaining({ kind: 'webhook', type: 'session.created' }),
      ]),
    );
  });
});

describe('erasure follows the write-ahead plan (review finding d)', () => {
  it('an R2 failure deletes nothing and is reported; the next run finishes from the plan, each row archived once', async () => {
    const { app, clock } = clockedApp(T0);
    const u = await userWithSession(app, T0 + 5 * 60_000);
    await deliver(clerkEvent('user.deleted', { id: u.user, deleted: true }, T0 + 10 * 60_000), { app });

    // The audits' object is written but R2's answer is lost: the run fails, D1 is untouched.
    const failing = hookedBucket(async (key) => (key.includes('/3-audits-') ? 'write-then-fail' : 'write'));
    const failed = await lifecycleAt(T0 + 20 * 60_000, {}, undefined, failing);
    expect(failed.error).toBe('r2_failed');
    expect(await one('select email, erased_at from tenants where id = ?', u.user)).toEqual({
      email: u.email,
      erased_at: null,
    });
    expect(await count('select * from login_audits where tenant_id = ?', u.user)).toBe(1);
    expect(await count('select * from webhook_payloads where user_id = ?', u.user)).toBe(4);

    // A retried delivery of an earlier session lands before the next run (it would be the first audit).
    clock.now = T0 + 25 * 60_000;
    expect((await deliver(sessionFrom(u.user, T0 + 60_000, T0 + 60_000), { app })).res.status).toBe(200);

    const retried = await lifecycleAt(T0 + 30 * 60_000);
    expect(retried.error).toBeUndefined();
    expect(retried.detail).toMatchObject({ tenantsErased: 1 }); // finished from the saved plan
    expect(await one('select erased_at is not null as erased from tenants where id = ?', u.user)).toEqual({
      erased: 1,
    });
    expect(await foundInD1(u.email)).toEqual([]);
    expect(await foundInD1('198.51.100.99')).toEqual([]);
    const audits = (await recordsUnder(`deleted/${day(T0)}/${u.user}/`)).filter((r) => r.kind === 'audit');
    expect(audits.map((a) => a.sessionId)).toEqual([u.session]);
  });
});

describe('a failed event naming a user and an organization (review finding b)', () => {
  /** A membership event the fold refuses for good (a role that is not a string), stored failed with its payload. */
  async function failedMembership(app: ReturnType<typeof clockedApp>['app'], org: string, user: string, at: number) {
    const event = membershipEvent(org, uid('orgmem'), user, 'organizationMembership.created', at);
    Object.assign(event.data, {
      role: 42,
      organization: { id: org, name: 'Acme Pair Corp' },
      public_user_data: { user_id: user, identifier: `${user}@pair.test` },
    });
    const { res, svixId } = await deliver(event, { app });
    expect(res.status).toBe(400);
    return svixId;
  }

  for (const erased of ['organization', 'user'] as const) {
    it(`is archived where the ${erased}'s erasure finds it, and leaves no copy behind`, async () => {
      const { app } = clockedApp(T0);
      const org = uid('org');
      const user = uid('user');
      await deliver(clerkEvent('organization.created', { id: org, name: 'Acme Pair Corp', slug: 'acme-pair' }, T0), {
        app,
      });
      const svixId = await failedMembership(app, org, user, T0 + 1);
      // Past RETAIN_WEBHOOK_RECORD_DAYS the failed event leaves D1 for the archive.
      expect((await lifecycleAt(T0 + 31 * DAY_MS)).detail).toMatchObject({ failedEventsArchived: 1 });
      expect(await count('select * from webhook_events where svix_id = ?', svixId)).toBe(0);

      const deletedAt = T0 + 32 * DAY_MS;
      const id = erased === 'organization' ? org : user;
      await deliver(clerkEvent(`${erased}.deleted`, { id, deleted: true }, deletedAt), { app });
      expect((await lifecycleAt(deletedAt + 60_000)).detail).toMatchObject({ tenantsErased: 1 });

      const kept = await recordsUnder(`deleted/${day(deletedAt)}/${id}/`);
      expect(kept).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'webhook', svixId })]));
      // No copy of it stays under either tenant's live prefix.
      const live = [...(await recordsUnder(`webhook/${org}/`)), ...(await recordsUnder(`webhook/${user}/`))];
      expect(live.filter((r) => r.svixId === svixId)).toEqual([]);
    });
  }
});
