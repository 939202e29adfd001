import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { isBookmark } from '../../src/db/read-session';
import * as schema from '../../src/db/schema';
import { TenantCache } from '../../src/tenants/tenant-cache';
import { createLoadTenant } from '../../src/tenants/tenant-middleware';
import { getTenant } from '../../src/tenants/tenant-store';
import type { ReplayFn } from '../../src/webhooks/replay';
import { callApp, seedTenant, seedWebhookEvent, testDb } from '../helpers/api-app';
import { BOOKMARK_SHAPE, countingD1 } from '../helpers/counting-d1';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';

/** The real app (real session middleware, real tokens) over an instrumented D1; tenant cache off. */
function harness(options: { refuseBookmarks?: boolean } = {}) {
  const counting = countingD1(env.DB, options);
  const app = createApp({ loadTenant: createLoadTenant({ cache: new TenantCache(0), now: Date.now }) });
  const bindings = { ...env, DB: counting.db };
  const get = async (path: string, token: string, headers: Record<string, string> = {}) =>
    callApp(app, path, { headers: { ...bearer(token), ...headers } }, bindings);
  return { counting, get, app, bindings };
}

describe('read routes on a D1 session, with bookmarks', () => {
  it('GET /v1/tenant reads through a first-unconstrained session and returns its bookmark', async () => {
    const { counting, get } = harness();
    const userId = uid('user');
    await seedTenant({ id: userId });
    const res = await get('/v1/tenant', await mintSessionToken({ userId }));
    expect(res.status).toBe(200);
    expect(counting.calls.withSession).toEqual(['first-unconstrained']);
    expect(counting.calls).toMatchObject({ prepare: 0, batch: 0, exec: 0 });
    expect(res.headers.get('x-d1-bookmark')).toMatch(BOOKMARK_SHAPE);
  });

  it('round trip: the bookmark sent back starts the next session there', async () => {
    const { counting, get } = harness();
    const userId = uid('user');
    await seedTenant({ id: userId });
    const token = await mintSessionToken({ userId });
    const first = await get('/v1/audit/logins', token);
    const bookmark = first.headers.get('x-d1-bookmark') as string;
    expect(bookmark).toMatch(BOOKMARK_SHAPE);
    counting.reset();
    const second = await get('/v1/audit/logins', token, { 'x-d1-bookmark': bookmark });
    expect(second.status).toBe(200);
    expect(counting.calls.withSession).toEqual([bookmark]);
    expect((second.headers.get('x-d1-bookmark') as string) >= bookmark).toBe(true);
  });

  const hostile: [string, string][] = [
    ['plain text', 'not-a-bookmark'],
    ['a constraint name', 'first-primary'],
    ['upper-case hex', `0000000A-00000002-00004F3A-${'AB'.repeat(16)}`],
    ['one group short', '00000000-00000003-00000000'],
    ['one char too long', `00000000-00000003-00000000-${'0'.repeat(33)}`],
    ['SQL', "'; drop table tenants; --"],
    ['JSON', '{"bookmark":"00000000-00000003-00000000-00000000000000000000000000000000"}'],
    [
      'two bookmarks joined',
      Array(2)
        .fill(`${'0'.repeat(8)}-${'0'.repeat(8)}-${'0'.repeat(8)}-${'0'.repeat(32)}`)
        .join(', '),
    ],
    ['huge (32 KiB)', 'f'.repeat(32 * 1024)],
    ['control and tab', 'a\tb%00%ff'],
  ];
  it.each(hostile)(
    'ignores a malformed bookmark (%s): 200, first-unconstrained, a real bookmark back',
    async (_, value) => {
      const { counting, get } = harness();
      const userId = uid('user');
      await seedTenant({ id: userId });
      const res = await get('/v1/tenant', await mintSessionToken({ userId }), { 'x-d1-bookmark': value });
      expect(res.status).toBe(200);
      expect(counting.calls.withSession).toEqual(['first-unconstrained']);
      const back = res.headers.get('x-d1-bookmark');
      expect(back).toMatch(BOOKMARK_SHAPE);
      expect(back).not.toBe(value);
    },
  );

  it('a well-formed bookmark D1 refuses is not a 5xx: the session starts unconstrained', async () => {
    const { counting, get } = harness({ refuseBookmarks: true });
    const userId = uid('user');
    await seedTenant({ id: userId });
    const unknown = `ffffffff-ffffffff-ffffffff-${'f'.repeat(32)}`;
    const res = await get('/v1/tenant', await mintSessionToken({ userId }), { 'x-d1-bookmark': unknown });
    expect(res.status).toBe(200);
    expect(counting.calls.withSession).toEqual([unknown, 'first-unconstrained']);
  });

  it(
    'read-your-writes in one request: the just-in-time tenant is written in the session, and its bookmark ' +
      'covers it',
    async () => {
      const { counting, get } = harness();
      const userId = uid('user');
      const res = await get('/v1/audit/logins', await mintSessionToken({ userId }));
      expect(res.status).toBe(200);
      // One session for the whole request: the miss, the INSERT … SELECT batch, the audits page.
      expect(counting.calls.withSession).toEqual(['first-unconstrained']);
      expect(counting.calls).toMatchObject({ prepare: 0, batch: 0, sessionBatch: 1 });
      const bookmark = res.headers.get('x-d1-bookmark') as string;
      // A session at that bookmark sees the new tenant.
      const later = env.DB.withSession(bookmark);
      const row = await later.prepare('select id from tenants where id = ?').bind(userId).first<{ id: string }>();
      expect(row?.id).toBe(userId);
      expect((later.getBookmark() as string) >= bookmark).toBe(true);
      expect(await getTenant(testDb(), { id: userId })).toMatchObject({ source: 'jit' });
    },
  );

  it('/v1/orgs/current and admin GETs read through the session; webhooks and replays stay on the primary', async () => {
    const { counting, get, app, bindings } = harness();
    const orgId = uid('org');
    const userId = uid('user');
    await seedTenant({ id: orgId, kind: 'organization' });
    await seedTenant({ id: userId });
    const org = await get('/v1/orgs/current', await mintSessionToken({ userId, org: { id: orgId, role: 'admin' } }));
    expect(org.status).toBe(200);
    expect(counting.calls.withSession).toEqual(['first-unconstrained']);
    expect(counting.calls).toMatchObject({ prepare: 0, batch: 0 });

    const admin = await mintSessionToken({ userId: 'user_admin', fva: [1, 1] });
    for (const path of [
      '/v1/admin/tenants?limit=1',
      `/v1/admin/tenants/${orgId}`,
      '/v1/admin/usage',
      '/v1/admin/webhooks?limit=1',
    ]) {
      counting.reset();
      const res = await get(path, admin);
      expect(res.status, path).toBe(200);
      expect(counting.calls.withSession, path).toEqual(['first-unconstrained']);
      expect(counting.calls.prepare + counting.calls.batch, path).toBe(0);
      expect(res.headers.get('x-d1-bookmark'), path).toMatch(BOOKMARK_SHAPE);
    }

    counting.reset();
    const replay = await callApp(
      app,
      '/v1/admin/webhooks/msg_none/replay',
      { method: 'POST', headers: bearer(admin) },
      bindings,
    );
    expect(replay.status).toBe(404);
    expect(counting.calls.withSession).toEqual([]);
    expect(counting.calls.prepare).toBeGreaterThan(0);
    expect(replay.headers.get('x-d1-bookmark')).toBeNull();
  });
});

describe('admin replay: a write on the primary, read back so the bookmark covers it', () => {
  it('replays on the primary, reads the event through a first-primary session, and returns that bookmark', async () => {
    const counting = countingD1(env.DB);
    const bindings = { ...env, DB: counting.db };
    const svixId = uid('msg');
    await seedWebhookEvent({
      svixId,
      type: 'user.created',
      eventAt: 1,
      status: 'failed',
      attempts: 1,
      lastError: 'boom',
      payload: '{}',
      receivedAt: Date.now(),
    });
    let replayDb: unknown;
    const replay: ReplayFn = async (db, id) => {
      replayDb = db;
      await db
        .update(schema.webhookEvents)
        .set({ status: 'processed', lastError: null })
        .where(eq(schema.webhookEvents.svixId, id));
      return { status: 'processed' };
    };
    const app = createApp({ replay, loadTenant: createLoadTenant({ cache: new TenantCache(0), now: Date.now }) });
    const admin = bearer(await mintSessionToken({ userId: 'user_admin', fva: [1, 1] }));
    const res = await callApp(app, `/v1/admin/webhooks/${svixId}/replay`, { method: 'POST', headers: admin }, bindings);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'processed', event: { status: 'processed' } });
    // The replay itself ran on the primary binding; only the read-back used a session, on the primary.
    expect(counting.calls.withSession).toEqual(['first-primary']);
    expect(counting.calls.prepare).toBeGreaterThan(0);
    expect(replayDb).not.toBe(undefined);
    const bookmark = res.headers.get('x-d1-bookmark') as string;
    expect(bookmark).toMatch(BOOKMARK_SHAPE);

    counting.reset();
    const list = await callApp(
      app,
      '/v1/admin/webhooks?status=processed&limit=100',
      { headers: { ...admin, 'x-d1-bookmark': bookmark } },
      bindings,
    );
    expect(counting.calls.withSession).toEqual([bookmark]);
    const items = ((await list.json()) as { items: { svixId: string }[] }).items;
    expect(items.some((e) => e.svixId === svixId)).toBe(true);
  });
});

describe('any x-d1-bookmark value (property)', () => {
  it('is 200, and starts the session at the value only when it is a well-formed bookmark', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    const token = await mintSessionToken({ userId });
    const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
    const wellFormed = fc.tuple(hex(8), hex(8), hex(8), hex(32)).map((p) => p.join('-'));
    // Header-safe printable ASCII (what a client can actually send), plus near-misses of the real shape.
    const printable = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    });
    const nearMiss = wellFormed.chain((b) =>
      fc.integer({ min: 0, max: b.length - 1 }).map((i) => `${b.slice(0, i)}G${b.slice(i + 1)}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(wellFormed, printable, nearMiss), async (value) => {
        const { counting, get } = harness();
        const res = await get('/v1/tenant', token, { 'x-d1-bookmark': value });
        expect(res.status).toBe(200);
        expect(counting.calls.withSession).toEqual([isBookmark(value) ? value : 'first-unconstrained']);
        expect(res.headers.get('x-d1-bookmark')).toMatch(BOOKMARK_SHAPE);
      }),
      { numRuns: 60 },
    );
  });
});
