import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { uid } from '../helpers/ids';
import { CLERK_SAMPLES, clerkEvent, deliver } from '../helpers/webhooks';

/** Event times in milliseconds (values below 1e12 would be read as seconds). */
const T = 1_750_000_000_000;

const row = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .first<Record<string, unknown>>();

const user = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  first_name: 'Ada',
  last_name: 'Lovelace',
  primary_email_address_id: 'idn_2',
  email_addresses: [
    { id: 'idn_1', email_address: 'old@example.test' },
    { id: 'idn_2', email_address: 'ada@example.test' },
  ],
  image_url: 'https://img.clerk.test/ada',
  created_at: 1_700_000_000_000,
  ...extra,
});

describe("Clerk's sample payloads, end to end", () => {
  const SAMPLE_USER = 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S';
  const SAMPLE_ORG = 'org_2g7np7Hrk0SN6kj5EDMLDaKNL0S';
  const SAMPLE_SESSION = 'sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S';
  const AT = 1716883200_000; // the samples' timestamp is in seconds

  it('accepts every sample and folds it', async () => {
    const order = [
      'user.created',
      'user.updated',
      'session.pending',
      'session.created',
      'session.ended',
      'session.removed',
      'session.revoked',
      'organization.created',
      'organization.updated',
      'organizationMembership.created',
      'organizationMembership.updated',
      'organizationMembership.deleted',
      'organization.deleted',
      'user.deleted',
    ];
    expect(new Set(order)).toEqual(new Set(Object.keys(CLERK_SAMPLES)));
    for (const type of order) {
      const { res } = await deliver(CLERK_SAMPLES[type]);
      expect(res.status, type).toBe(200);
      expect(await res.json()).toEqual({ received: true });
    }

    expect(await row('select * from tenants where id = ?', SAMPLE_USER)).toMatchObject({
      kind: 'user',
      name: 'John Doe Updated', // the update wins at the same timestamp
      email: null, // the samples' email_addresses list is empty
      image_url: 'https://img.clerk.com/yyyyy',
      status: 'archived',
      archived_at: AT,
      source: 'webhook',
      clerk_created_at: 1716883200000,
      profile_event_at: AT,
      last_event_at: AT,
    });
    expect(await row('select * from tenants where id = ?', SAMPLE_ORG)).toMatchObject({
      kind: 'organization',
      name: 'Acme Corp Updated',
      slug: 'acme-corp-updated',
      status: 'archived',
      archived_at: AT,
    });
    expect(await row('select * from login_audits where session_id = ?', SAMPLE_SESSION)).toEqual({
      session_id: SAMPLE_SESSION,
      tenant_id: SAMPLE_USER,
      user_id: SAMPLE_USER,
      status: 'revoked', // ended/removed/revoked share a timestamp: a fixed tie-break, not arrival
      ip: '192.168.1.100',
      user_agent: expect.stringContaining('Chrome/128.0.0.0'),
      created_at: 1716883200000,
      ended_at: AT,
      last_event_at: AT,
      client_event_at: AT,
    });
    expect(await row('select * from daily_active_users where user_id = ?', SAMPLE_USER)).toEqual({
      day: '2024-05-28',
      user_id: SAMPLE_USER,
    });
    expect(
      await row('select * from organization_memberships where id = ?', 'orgmem_2g7np7Hrk0SN6kj5EDMLDaKNL0S'),
    ).toMatchObject({
      org_id: SAMPLE_ORG,
      user_id: 'user_2h8op3Isl1QR7tKu5FGNfaLKEoU',
      status: 'deleted',
      deleted_at: AT,
    });
    const events = await env.DB.prepare("select count(*) as n from webhook_events where status = 'processed'").first<{
      n: number;
    }>();
    expect(events?.n).toBeGreaterThanOrEqual(order.length);
  });
});

describe('effects', () => {
  it('user.created: tenant with the primary email (by id), name, active', async () => {
    const id = uid('user');
    const { res } = await deliver(clerkEvent('user.created', user(id), 1_700_000_000_500));
    expect(res.status).toBe(200);
    expect(await row('select * from tenants where id = ?', id)).toMatchObject({
      kind: 'user',
      email: 'ada@example.test',
      name: 'Ada Lovelace',
      status: 'active',
      source: 'webhook',
      archived_at: null,
      profile_event_at: 1_700_000_000_500,
    });
  });

  it('a redelivery is a no-op: duplicate:true, rows byte-identical, attempts stay 1', async () => {
    const id = uid('user');
    const svixId = uid('msg');
    const event = clerkEvent('user.created', user(id), 1_700_000_001_000);
    expect((await deliver(event, { id: svixId })).res.status).toBe(200);
    const tenant = await row('select * from tenants where id = ?', id);
    const stored = await row('select * from webhook_events where svix_id = ?', svixId);
    const again = await deliver(event, { id: svixId });
    expect(again.res.status).toBe(200);
    expect(await again.res.json()).toEqual({ received: true, duplicate: true });
    expect(await row('select * from tenants where id = ?', id)).toEqual(tenant);
    expect(await row('select * from webhook_events where svix_id = ?', svixId)).toEqual(stored);
    expect(stored).toMatchObject({
      status: 'processed',
      attempts: 1,
      type: 'user.created',
      event_at: 1_700_000_001_000,
    });
  });

  it('user.deleted archives the tenant and keeps audits and memberships', async () => {
    const id = uid('user');
    const sess = uid('sess');
    const mem = uid('orgmem');
    await deliver(clerkEvent('user.created', user(id), T + 1_000));
    await deliver(clerkEvent('session.created', { id: sess, user_id: id, created_at: T + 1_500 }, T + 1_500));
    await deliver(
      clerkEvent(
        'organizationMembership.created',
        {
          id: mem,
          role: 'org:admin',
          permissions: ['org:x'],
          organization: { id: uid('org') },
          public_user_data: { user_id: id },
        },
        T + 1_600,
      ),
    );
    await deliver(clerkEvent('user.deleted', { id, deleted: true }, T + 2_000));
    expect(await row('select status, archived_at, email from tenants where id = ?', id)).toEqual({
      status: 'archived',
      archived_at: T + 2_000,
      email: 'ada@example.test',
    });
    expect(await row('select status from login_audits where session_id = ?', sess)).toEqual({ status: 'active' });
    expect(await row('select role, permissions, status from organization_memberships where id = ?', mem)).toEqual({
      role: 'org:admin',
      permissions: '["org:x"]',
      status: 'active',
    });
  });

  it('session.created: audit with IP/UA from http_request, else latest_activity; MAU rollup row', async () => {
    const userId = uid('user');
    const [s1, s2] = [uid('sess'), uid('sess')];
    const created = Date.UTC(2026, 0, 31, 23, 59, 59);
    await deliver(clerkEvent('session.created', { id: s1, user_id: userId, created_at: created }, created + 5));
    const noHttp = {
      ...clerkEvent(
        'session.created',
        { id: s2, user_id: userId, created_at: created + 2000, latest_activity: { ip_address: '198.51.100.9' } },
        created + 2005,
      ),
    };
    noHttp.event_attributes = { http_request: null } as never;
    await deliver(noHttp);
    expect(await row('select * from login_audits where session_id = ?', s1)).toMatchObject({
      tenant_id: userId,
      user_id: userId,
      status: 'active',
      ip: '203.0.113.7',
      user_agent: 'vitest/1.0',
      created_at: created,
      ended_at: null,
    });
    expect(await row('select ip, user_agent from login_audits where session_id = ?', s2)).toEqual({
      ip: '198.51.100.9',
      user_agent: null,
    });
    const days = await env.DB.prepare('select day from daily_active_users where user_id = ? order by day')
      .bind(userId)
      .all();
    expect(days.results).toEqual([{ day: '2026-01-31' }, { day: '2026-02-01' }]);
  });

  it('session.ended|removed|revoked set status and endedAt; a late session.created cannot reopen it', async () => {
    for (const type of ['session.ended', 'session.removed', 'session.revoked']) {
      const userId = uid('user');
      const sid = uid('sess');
      await deliver(clerkEvent(type, { id: sid, user_id: userId, created_at: T + 10_000 }, T + 20_000));
      await deliver(clerkEvent('session.created', { id: sid, user_id: userId, created_at: T + 10_000 }, T + 10_001));
      expect(await row('select status, ended_at, created_at, ip from login_audits where session_id = ?', sid)).toEqual({
        status: type.slice('session.'.length),
        ended_at: T + 20_000,
        created_at: T + 10_000,
        ip: '203.0.113.7', // the late create still contributes the sign-in IP
      });
    }
  });

  it(
    'organization events: tenant of kind organization, archived on ' + 'delete; memberships with role and tombstone',
    async () => {
      const org = uid('org');
      const mem = uid('orgmem');
      const userId = uid('user');
      const membership = (role: string, permissions: string[]) => ({
        id: mem,
        role,
        permissions,
        organization: { id: org },
        public_user_data: { user_id: userId },
        created_at: T + 5_000,
      });
      await deliver(
        clerkEvent('organizationMembership.updated', membership('org:admin', ['org:a', 'org:b']), T + 6_000),
      );
      // Late, older.
      await deliver(clerkEvent('organizationMembership.created', membership('org:member', []), T + 5_000));
      expect(
        await row('select org_id, user_id, role, permissions, status from organization_memberships where id = ?', mem),
      ).toEqual({
        org_id: org,
        user_id: userId,
        role: 'org:admin',
        permissions: '["org:a","org:b"]',
        status: 'active',
      });
      await deliver(
        clerkEvent('organizationMembership.deleted', membership('org:admin', ['org:a', 'org:b']), T + 7_000),
      );
      await deliver(clerkEvent('organizationMembership.updated', membership('org:member', []), T + 6_500)); // late
      expect(await row('select status, deleted_at, role from organization_memberships where id = ?', mem)).toEqual({
        status: 'deleted',
        deleted_at: T + 7_000,
        role: 'org:admin',
      });

      await deliver(
        clerkEvent('organization.created', { id: org, name: 'Acme', slug: 'acme', created_at: T + 4_000 }, T + 4_000),
      );
      expect(await row('select kind, name, slug, status from tenants where id = ?', org)).toEqual({
        kind: 'organization',
        name: 'Acme',
        slug: 'acme',
        status: 'active',
      });
      await deliver(clerkEvent('organization.deleted', { id: org, deleted: true }, T + 9_000));
      await deliver(clerkEvent('organization.updated', { id: org, name: 'Acme 2', slug: 'acme-2' }, T + 8_000)); // late
      expect(await row('select name, status, archived_at from tenants where id = ?', org)).toEqual({
        name: 'Acme 2',
        status: 'archived',
        archived_at: T + 9_000,
      });
    },
  );

  it(
    'an older user.updated never overwrites a newer profile; a late ' + 'user.created cannot resurrect a deleted user',
    async () => {
      const id = uid('user');
      await deliver(clerkEvent('user.deleted', { id, deleted: true }, T + 3_000));
      await deliver(clerkEvent('user.updated', user(id, { first_name: 'New' }), T + 2_000));
      await deliver(clerkEvent('user.created', user(id, { first_name: 'Old' }), T + 1_000));
      expect(
        await row('select name, status, archived_at, profile_event_at, last_event_at from tenants where id = ?', id),
      ).toEqual({
        name: 'New Lovelace',
        status: 'archived',
        archived_at: T + 3_000,
        profile_event_at: T + 2_000,
        last_event_at: T + 3_000,
      });
    },
  );

  it('timestamps in seconds and in milliseconds order the same way', async () => {
    const id = uid('user');
    await deliver(clerkEvent('user.updated', user(id, { first_name: 'Millis' }), 1_716_883_300_000));
    await deliver(clerkEvent('user.created', user(id, { first_name: 'Seconds' }), 1_716_883_200)); // older, in seconds
    expect(await row('select name, profile_event_at from tenants where id = ?', id)).toEqual({
      name: 'Millis Lovelace',
      profile_event_at: 1_716_883_300_000,
    });
  });
});

describe('out-of-range times (signed by the sender, so verified)', () => {
  it('a timestamp past what a Date holds is not used: no 5xx, and the audit and admin lists still render', async () => {
    const userId = uid('user_far');
    const sessionId = uid('sess_far');
    const created = clerkEvent(
      'session.created',
      { id: sessionId, object: 'session', user_id: userId, status: 'active', created_at: 1e17, updated_at: 1e17 },
      1e17,
    );
    const { res } = await deliver(created);
    expect(res.status).toBeLessThan(500);
    const now = Date.now();
    const later = clerkEvent(
      'session.ended',
      { id: sessionId, object: 'session', user_id: userId, status: 'ended', created_at: now, updated_at: now },
      now,
    );
    expect((await deliver(later)).res.status).toBeLessThan(500);
  });
});
