import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, deliver, membershipEvent } from '../helpers/webhooks';

// The whole service end to end: real tokens verified by the session middleware, real
// Svix-signed webhooks folded into D1, and the tenant-scoped routes reading them.

async function get(path: string, userId: string, extra: Parameters<typeof mintSessionToken>[0] = {}) {
  return call(path, { headers: bearer(await mintSessionToken({ userId, sessionId: uid('sess'), ...extra })) });
}

describe('tenants end to end', () => {
  it('a late user.created: the tenant is created just in time, then completed by the webhook', async () => {
    const userId = uid('user');
    const first = await get('/v1/me', userId);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      userId,
      tenant: { id: userId, kind: 'user', status: 'active', source: 'jit', email: null },
    });

    const now = Date.now();
    const created = clerkEvent(
      'user.created',
      {
        id: userId,
        object: 'user',
        first_name: 'Ada',
        last_name: 'Lovelace',
        primary_email_address_id: 'idn_1',
        email_addresses: [{ id: 'idn_1', email_address: 'ada@example.com' }],
        created_at: now,
        updated_at: now,
      },
      now,
    );
    expect((await deliver(created)).res.status).toBe(200);
    const tenant = await get('/v1/tenant', userId);
    expect(await tenant.json()).toMatchObject({
      id: userId,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      status: 'active',
    });
  });

  it('concurrent first requests create exactly one tenant', async () => {
    const userId = uid('user');
    const statuses = await Promise.all(Array.from({ length: 12 }, () => get('/v1/me', userId).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const row = await env.DB.prepare('select count(*) as n from tenants where id = ?')
      .bind(userId)
      .first<{ n: number }>();
    expect(row?.n).toBe(1);
  });

  it('user.deleted archives the tenant: its API answers 403 tenant_archived, audits are kept', async () => {
    const userId = uid('user');
    const sessionId = uid('sess');
    const t = Date.now();
    await deliver(
      clerkEvent('user.created', { id: userId, object: 'user', email_addresses: [], created_at: t, updated_at: t }, t),
    );
    await deliver(
      clerkEvent(
        'session.created',
        { id: sessionId, object: 'session', user_id: userId, status: 'active', created_at: t, updated_at: t },
        t + 1,
      ),
    );
    const audits = await get('/v1/audit/logins', userId);
    expect(audits.status).toBe(200);
    expect(((await audits.json()) as { items: { sessionId: string }[] }).items.map((i) => i.sessionId)).toEqual([
      sessionId,
    ]);

    await deliver(clerkEvent('user.deleted', { id: userId, object: 'user', deleted: true }, t + 2));
    await expectError(await get('/v1/tenant', userId), 403, 'tenant_archived');
    await expectError(await get('/v1/audit/logins', userId), 403, 'tenant_archived');
    const kept = await env.DB.prepare('select count(*) as n from login_audits where user_id = ?')
      .bind(userId)
      .first<{ n: number }>();
    expect(kept?.n).toBe(1);
  });

  it('a caller sees only their own audits', async () => {
    const alice = uid('user');
    const bob = uid('user');
    const t = Date.now();
    for (const [user, n] of [
      [alice, 3],
      [bob, 2],
    ] as const)
      for (let i = 0; i < n; i++)
        await deliver(
          clerkEvent(
            'session.created',
            {
              id: uid('sess'),
              object: 'session',
              user_id: user,
              status: 'active',
              created_at: t + i,
              updated_at: t + i,
            },
            t + i,
          ),
        );
    const page = (await (await get('/v1/audit/logins', bob)).json()) as { items: { userId: string }[] };
    expect(page.items).toHaveLength(2);
    expect(page.items.every((i) => i.userId === bob)).toBe(true);
  });

  it(
    '/v1/orgs/current: a late membership webhook is no reason to refuse; a removed member or an archived ' +
      'caller is',
    async () => {
      const orgId = uid('org');
      const [alice, bob, carol] = [uid('user'), uid('user'), uid('user')];
      const t = Date.now();
      await deliver(
        clerkEvent(
          'organization.created',
          { id: orgId, object: 'organization', name: 'Acme', slug: 'acme', created_at: t, updated_at: t },
          t,
        ),
      );
      const membership = (id: string, userId: string, type: string, at: number) =>
        membershipEvent(orgId, id, userId, type, at, t);
      await deliver(membership(uid('orgmem'), alice, 'organizationMembership.created', t + 1));
      const bobMembership = uid('orgmem');
      await deliver(membership(bobMembership, bob, 'organizationMembership.created', t + 2));
      await deliver(membership(bobMembership, bob, 'organizationMembership.deleted', t + 3));
      const org = { id: orgId, role: 'org:member' };
      // carol's membership webhook has not arrived: the token is authoritative.
      const carolRes = await get('/v1/orgs/current', carol, { org });
      expect(carolRes.status).toBe(200);
      expect(await carolRes.json()).toMatchObject({
        organization: { id: orgId, name: 'Acme' },
        membersByRole: { 'org:member': [{ userId: alice }] },
      });
      await expectError(await get('/v1/orgs/current', bob, { org }), 403, 'forbidden');
      await deliver(clerkEvent('user.deleted', { id: alice, object: 'user', deleted: true }, t + 4));
      await expectError(await get('/v1/orgs/current', alice, { org }), 403, 'tenant_archived');
    },
  );

  it('unauthenticated tenant and admin routes are 401 invalid_token', async () => {
    for (const path of ['/v1/me', '/v1/tenant', '/v1/audit/logins', '/v1/orgs/current', '/v1/admin/usage']) {
      const res = await call(path);
      await expectError(res, 401, 'invalid_token');
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    }
  });

  it('admin routes need an admin with a recent second factor', async () => {
    await expectError(await get('/v1/admin/usage', uid('user'), { fva: [0, 0] }), 403, 'forbidden');
    await expectError(await get('/v1/admin/usage', 'user_admin', { fva: [0, -1] }), 403, 'second_factor_required');
    await expectError(await get('/v1/admin/usage', 'user_admin', { fva: [0, 600] }), 403, 'second_factor_required');
    const ok = await get('/v1/admin/usage', 'user_admin', { fva: [0, 1] });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ windowDays: 30, freeTierLimit: 10000 });
  });
});
