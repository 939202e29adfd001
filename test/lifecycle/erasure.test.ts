import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, membershipEvent } from '../helpers/webhooks';
import {
  archivedRecords,
  archiveKeys,
  clockedApp,
  DAY_MS,
  foundInD1,
  lifecycleAt,
  one,
  resetLifecycleState,
  userWithSession,
} from './support';

const T0 = Date.UTC(2030, 2, 1, 12);
const IP = '203.0.113.7';

beforeEach(resetLifecycleState);

const userEvent = (id: string, email: string, at: number) =>
  clerkEvent(
    'user.updated',
    {
      id,
      first_name: 'Grace',
      last_name: 'Hopper',
      primary_email_address_id: 'idn_1',
      email_addresses: [{ id: 'idn_1', email_address: email }],
      image_url: 'https://img.clerk.test/grace',
    },
    at,
  );

describe('erasure of a deleted user', () => {
  it('archives profile, memberships, audits and payloads, then removes every piece of personal data from D1', async () => {
    const { app, clock } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    const org = uid('org');
    await deliver(membershipEvent(org, uid('orgmem'), u.user, 'organizationMembership.created', T0 + 10), { app });
    // An audit that already left D1 (91 days later) must follow the tenant into its deleted archive.
    clock.now = T0 + 91 * DAY_MS;
    await lifecycleAt(T0 + 91 * DAY_MS);
    expect(await archiveKeys(`audit/${u.user}/`)).toHaveLength(1);
    const u2 = { session: uid('sess') };
    const session = { id: u2.session, user_id: u.user, status: 'active', created_at: clock.now };
    await deliver(clerkEvent('session.created', session, clock.now), { app });
    expect(await foundInD1(u.email)).not.toEqual([]);
    // The search sees into the gzip-compressed payloads too (the session's, with the IP; no LIKE would).
    expect(await foundInD1(IP)).toContain('webhook_payloads.payload (decompressed)');

    await deliver(clerkEvent('user.deleted', { id: u.user, deleted: true }, clock.now + 1), { app });
    const run = await lifecycleAt(clock.now + 60_000);
    expect(run.detail).toMatchObject({ tenantsErased: 1 });

    expect(await foundInD1(u.email)).toEqual([]);
    expect(await foundInD1(IP)).toEqual([]);
    expect(await foundInD1('Lovelace')).toEqual([]);
    expect(await foundInD1('vitest/1.0')).toEqual([]);
    expect(
      await one(
        'select id, kind, status, name, email, image_url, erased_at is not null as erased from tenants where id = ?',
        u.user,
      ),
    ).toEqual({
      id: u.user,
      kind: 'user',
      status: 'archived',
      name: null,
      email: null,
      image_url: null,
      erased: 1,
    });
    expect(await one('select status, role from organization_memberships where user_id = ?', u.user)).toEqual({
      status: 'deleted',
      role: null,
    });
    expect(await archiveKeys(`audit/${u.user}/`)).toEqual([]);

    // Everything is in the deleted tenant's archive.
    const day = new Date(clock.now + 1).toISOString().slice(0, 10);
    const keys = await archiveKeys(`deleted/${day}/${u.user}/`);
    const records = (await Promise.all(keys.map(archivedRecords))).flat();
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'tenant', id: u.user, email: u.email }),
        expect.objectContaining({ kind: 'membership', orgId: org, userId: u.user, role: 'org:member' }),
        expect.objectContaining({ kind: 'audit', sessionId: u.session, ip: IP }),
        expect.objectContaining({ kind: 'audit', sessionId: u2.session, ip: IP }),
        expect.objectContaining({ kind: 'webhook', type: 'session.created' }),
      ]),
    );

    // Late and redelivered events naming the erased user bring nothing back.
    await deliver(userEvent(u.user, u.email, clock.now + 10 * DAY_MS), { app });
    await deliver(clerkEvent('session.created', { ...session, id: uid('sess') }, clock.now + 10 * DAY_MS), { app });
    await deliver(membershipEvent(uid('org'), uid('orgmem'), u.user, 'organizationMembership.created', clock.now + 5), {
      app,
    });
    expect(await foundInD1(u.email)).toEqual([]);
    expect(await foundInD1(IP)).toEqual([]);
    expect(await foundInD1('Hopper')).toEqual([]);

    // The deleted tenant's archive expires RETAIN_DELETED_TENANT_DAYS after the deletion.
    await lifecycleAt(clock.now + 29 * DAY_MS);
    expect(await archiveKeys(`deleted/${day}/`)).not.toEqual([]);
    await lifecycleAt(clock.now + 31 * DAY_MS);
    expect(await archiveKeys(`deleted/${day}/`)).toEqual([]);
  });

  it('erases a deleted organization: its profile and payloads, memberships tombstoned', async () => {
    const { app } = clockedApp(T0);
    const org = uid('org');
    const member = uid('user');
    await deliver(clerkEvent('organization.created', { id: org, name: 'Acme Secret', slug: 'acme-secret' }, T0), {
      app,
    });
    await deliver(membershipEvent(org, uid('orgmem'), member, 'organizationMembership.created', T0 + 1), { app });
    await deliver(clerkEvent('organization.deleted', { id: org, deleted: true }, T0 + 2), { app });
    expect((await lifecycleAt(T0 + 60_000)).detail).toMatchObject({ tenantsErased: 1 });
    expect(await foundInD1('Acme Secret')).toEqual([]);
    expect(await foundInD1('acme-secret')).toEqual([]);
    expect(await one('select status, role from organization_memberships where org_id = ?', org)).toEqual({
      status: 'deleted',
      role: null,
    });
  });

  it('holds in any delivery order, with erasure runs anywhere after the delete (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 0, max: 5 }),
        async (order, eraseAt) => {
          const { app } = clockedApp(T0);
          const user = uid('user');
          const email = `${user}@example.test`;
          const session = { id: uid('sess'), user_id: user, status: 'active', created_at: T0 };
          const events = [
            userEvent(user, email, T0),
            clerkEvent('session.created', session, T0 + 1),
            userEvent(user, email, T0 + 5),
            membershipEvent(uid('org'), uid('orgmem'), user, 'organizationMembership.created', T0 + 2),
            clerkEvent('user.deleted', { id: user, deleted: true }, T0 + 3),
          ];
          let deleted = false;
          for (const [i, e] of order.entries()) {
            if (deleted && i === eraseAt) await lifecycleAt(T0 + DAY_MS);
            await deliver(events[e], { app });
            if (e === 4) deleted = true;
          }
          await lifecycleAt(T0 + DAY_MS);
          expect(await foundInD1(email)).toEqual([]);
          expect(await foundInD1(IP)).toEqual([]);
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('late membership events after erasure (review finding c)', () => {
  it('a late organizationMembership.updated for the same membership never puts role or permissions back', async () => {
    const { app, clock } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    const org = uid('org');
    const membership = uid('orgmem');
    await deliver(membershipEvent(org, membership, u.user, 'organizationMembership.created', T0 + 10), { app });
    await deliver(clerkEvent('user.deleted', { id: u.user, deleted: true }, T0 + 20), { app });
    expect((await lifecycleAt(T0 + 60_000)).detail).toMatchObject({ tenantsErased: 1 });
    const tombstone = 'select status, role, permissions from organization_memberships where id = ?';
    expect(await one(tombstone, membership)).toEqual({ status: 'deleted', role: null, permissions: '[]' });

    clock.now = T0 + DAY_MS;
    for (const type of ['organizationMembership.updated', 'organizationMembership.created']) {
      const late = membershipEvent(org, membership, u.user, type, clock.now);
      Object.assign(late.data, { role: 'org:admin', permissions: ['org:secret:read'] });
      expect((await deliver(late, { app })).res.status).toBe(200);
      clock.now += 1000;
    }
    expect(await one(tombstone, membership)).toEqual({ status: 'deleted', role: null, permissions: '[]' });
    expect(await foundInD1('org:admin')).toEqual([]);
    expect(await foundInD1('org:secret:read')).toEqual([]);
  });
});
