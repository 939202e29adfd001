import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/services/services';
import { callApp, testApp } from '../helpers/api-app';
import { authFor } from '../helpers/auth-context';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, membershipEvent } from '../helpers/webhooks';
import { clockedApp, DAY_MS, lifecycleAt, resetLifecycleState, userWithSession } from './support';

const T0 = Date.UTC(2030, 4, 1, 12);
const admin = () => authFor('user_admin', { factorVerificationAge: [3, 2] });

beforeEach(resetLifecycleState);

async function exportOf(id: string, now: number, bindings: object = env) {
  const res = await callApp(
    testApp(admin(), { services: createServices({ now: () => now }) }),
    `/v1/admin/tenants/${id}/export`,
    undefined,
    bindings,
  );
  return res;
}

/** The export's lines, its last line (`{"kind":"end","lines":n}`, n the lines before it) checked and removed. */
async function lines(res: Response): Promise<Record<string, unknown>[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const text = await res.text();
  expect(text.endsWith('\n')).toBe(true);
  const all = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = all.pop();
  expect(end).toEqual({ kind: 'end', lines: all.length });
  return all;
}

/** A user with a session, deleted and erased: the key of its deleted archive's tenant part (`1-tenant`). */
async function erasedUserTenantPart(): Promise<{ user: string; partKey: string }> {
  const { app } = clockedApp(T0);
  const u = await userWithSession(app, T0);
  await deliver(clerkEvent('user.deleted', { id: u.user, deleted: true }, T0 + 10), { app });
  await lifecycleAt(T0 + 60_000);
  const listed = await env.ARCHIVE.list({ prefix: 'deleted/' });
  const part = listed.objects.find((o) => o.key.includes(u.user) && o.key.endsWith('1-tenant.ndjson.gz'));
  expect(part).toBeDefined();
  return { user: u.user, partKey: part?.key ?? '' };
}

/** The ARCHIVE bucket with some of its calls failing as R2 does when it is unavailable. */
function failingArchive(fail: { list?: boolean; get?: boolean }): object {
  const bucket = env.ARCHIVE;
  const archive = {
    list: (o?: R2ListOptions) => (fail.list ? Promise.reject(new Error('R2 list: 503')) : bucket.list(o)),
    get: (key: string) => (fail.get ? Promise.reject(new Error('R2 get: 503')) : bucket.get(key)),
  };
  return { ...env, ARCHIVE: archive };
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
    // Past RETAIN_DELETED_TENANT_DAYS only the scrubbed tombstone is left: nothing to export (200 '' before).
    await lifecycleAt(T0 + 31 * DAY_MS);
    await expectError(await exportOf(u.user, T0 + 31 * DAY_MS), 404, 'not_found');
  });

  it('exports the tenant once when its archive holds two tenant parts (an erasure under way at a deploy)', async () => {
    const { user, partKey } = await erasedUserTenantPart();
    const body = await (await env.ARCHIVE.get(partKey))?.arrayBuffer();
    await env.ARCHIVE.put(partKey.replace('1-tenant', 'tenant'), body ?? new ArrayBuffer(0));
    const out = await lines(await exportOf(user, T0 + DAY_MS));
    expect(out.filter((l) => l.kind === 'tenant')).toHaveLength(1);
  });

  it('an archive that cannot be listed is 503 storage_unavailable with Retry-After (500 internal before)', async () => {
    const res = await exportOf(uid('user'), T0, failingArchive({ list: true }));
    await expectError(res, 503, 'storage_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a corrupt archived object (a line that is not JSON) is 503 storage_unavailable, never a 500', async () => {
    const { user, partKey } = await erasedUserTenantPart();
    const corrupt = await new Response(
      new Blob(['not json\n']).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
    await env.ARCHIVE.put(partKey, corrupt);
    const res = await exportOf(user, T0 + DAY_MS);
    await expectError(res, 503, 'storage_unavailable');
  });

  it('a failure mid-stream cuts the export without its end line, so a reader can tell', async () => {
    const { app, clock } = clockedApp(T0);
    const u = await userWithSession(app, T0);
    clock.now = T0 + 91 * DAY_MS;
    await lifecycleAt(clock.now); // the audit moves to R2: reading it needs a get
    const res = await exportOf(u.user, clock.now, failingArchive({ get: true }));
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    let failed = false;
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    expect(text).toContain('"kind":"tenant"');
    expect(text).not.toContain('"kind":"end"');
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
