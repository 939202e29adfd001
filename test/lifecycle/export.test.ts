import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/services/services';
import { callApp, testApp } from '../helpers/api-app';
import { authFor } from '../helpers/auth-context';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, membershipEvent } from '../helpers/webhooks';
import { clearArchive, clockedApp, DAY_MS, lifecycleAt, userWithSession } from './support';

const T0 = Date.UTC(2030, 4, 1, 12);
const admin = () => authFor('user_admin', { factorVerificationAge: [3, 2] });

beforeEach(async () => {
  await env.DB.batch(
    ['webhook_events', 'login_audits', 'tenants', 'organization_memberships', 'job_state'].map((t) =>
      env.DB.prepare(`delete from ${t}`),
    ),
  );
  await clearArchive();
});

async function exportOf(id: string, now: number) {
  const res = await callApp(
    testApp(admin(), { services: createServices({ now: () => now }) }),
    `/v1/admin/tenants/${id}/export`,
  );
  return res;
}

async function lines(res: Response): Promise<Record<string, unknown>[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const text = await res.text();
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('GET /v1/admin/tenants/:id/export', () => {
  it('streams hot D1 rows and archived R2 rows alike, one object per line with a kind', async () => {
    const { app, clock } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    const org = uid('org');
    await deliver(membershipEvent(org, uid('orgmem'), u.user, 'organizationMembership.created', T0 + 5), { app });
    clock.now = T0 + 91 * DAY_MS;
    await lifecycleAt(clock.now); // the first session's audit moves to R2
    const hot = uid('sess');
    await deliver(clerkEvent('session.created', { id: hot, user_id: u.user, created_at: clock.now }, clock.now), {
      app,
    });

    const out = await lines(await exportOf(u.user, clock.now));
    expect(out.map((l) => l.kind)).toEqual(['tenant', 'membership', 'audit', 'audit']);
    expect(out[0]).toMatchObject({ kind: 'tenant', id: u.user, email: u.email, status: 'active' });
    expect(out[1]).toMatchObject({ kind: 'membership', orgId: org, userId: u.user });
    expect(out[2]).toMatchObject({ kind: 'audit', sessionId: hot });
    expect(out[3]).toMatchObject({ kind: 'audit', sessionId: u.session, ip: '203.0.113.7' });
    expect(JSON.stringify(out)).not.toContain('"payload"');
  });

  it("serves a deleted tenant's archive until RETAIN_DELETED_TENANT_DAYS", async () => {
    const { app } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    await deliver(clerkEvent('user.deleted', { id: u.user, deleted: true }, T0 + 10), { app });
    await lifecycleAt(T0 + 60_000);
    const out = await lines(await exportOf(u.user, T0 + DAY_MS));
    expect(out).toEqual([
      expect.objectContaining({ kind: 'tenant', id: u.user, email: u.email }),
      expect.objectContaining({ kind: 'audit', sessionId: u.session }),
    ]);
    await lifecycleAt(T0 + 31 * DAY_MS);
    expect(await (await exportOf(u.user, T0 + 31 * DAY_MS)).text()).toBe('');
  });

  it('is 404 for an unknown id, 400 for a path trick, admin-only', async () => {
    await expectError(await exportOf(uid('user'), T0), 404, 'not_found');
    for (const id of ['..', '%2E%2E', 'user_a%2Fuser_b']) {
      const res = await exportOf(id, T0);
      expect([400, 404]).toContain(res.status);
      if (res.status === 404) await expectError(res, 404, 'not_found');
    }
    const notAdmin = testApp(authFor('user_someone', { factorVerificationAge: [3, 2] }));
    await expectError(await callApp(notAdmin, `/v1/admin/tenants/${uid('user')}/export`), 403, 'forbidden');
    const stale = testApp(authFor('user_admin', { factorVerificationAge: [60, -1] }));
    await expectError(await callApp(stale, `/v1/admin/tenants/${uid('user')}/export`), 403, 'second_factor_required');
  });
});

describe('replay after retention', () => {
  it('is 410 gone once the payload was dropped', async () => {
    const { app } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    await lifecycleAt(T0 + 8 * DAY_MS);
    const svixId = u.svixIds[0] as string;
    const res = await callApp(testApp(admin()), `/v1/admin/webhooks/${svixId}/replay`, { method: 'POST' });
    await expectError(res, 410, 'gone');
  });
});
