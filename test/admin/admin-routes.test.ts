import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { decideAdmin } from '../../src/admin/admin-guard';
import { tenantPage, usageSchema, webhookPage } from '../../src/admin/admin-schemas';
import * as schema from '../../src/db/schema';
import { createServices } from '../../src/services/services';
import type { ReplayFn } from '../../src/webhooks/replay';
import { callApp, seedTenant, seedWebhookEvent, testApp, testDb } from '../helpers/api-app';
import { authFor } from '../helpers/auth-context';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';

// vitest.config.ts: ADMIN_USER_IDS = 'user_admin'.
const admin = (fva: [number, number] | null = [3, 2]) => authFor('user_admin', { factorVerificationAge: fva });

describe('decideAdmin (pure)', () => {
  it('requires membership first, then a second factor within the window', () => {
    const ids = ['user_admin'];
    expect(decideAdmin(undefined, ids, 10)).toBe('forbidden');
    expect(decideAdmin({ userId: 'user_x', factorVerificationAge: [0, 0] }, ids, 10)).toBe('forbidden');
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [0, 0] }, [], 10)).toBe('forbidden');
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: null }, ids, 10)).toBe('second_factor_required');
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [1, -1] }, ids, 10)).toBe(
      'second_factor_required',
    );
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [1, 11] }, ids, 10)).toBe(
      'second_factor_required',
    );
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [1, Number.NaN] }, ids, 10)).toBe(
      'second_factor_required',
    );
    // Clerk's freshness rule (reverification): fresh while maxAge > age, so exactly 10 minutes is stale.
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [1, 10] }, ids, 10)).toBe(
      'second_factor_required',
    );
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [1, 9] }, ids, 10)).toBe('ok');
    expect(decideAdmin({ userId: 'user_admin', factorVerificationAge: [99, 0] }, ids, 10)).toBe('ok');
  });
});

describe('admin guard on every /v1/admin route', () => {
  const routes: [string, string][] = [
    ['GET', '/v1/admin/tenants'],
    ['GET', '/v1/admin/tenants/user_x'],
    ['GET', '/v1/admin/usage'],
    ['GET', '/v1/admin/webhooks?status=failed'],
    ['POST', '/v1/admin/webhooks/msg_x/replay'],
  ];
  for (const [method, path] of routes) {
    it(
      `${method} ${path}: 403 forbidden for a non-admin, 403 second_factor_required without a recent second ` +
        `factor`,
      async () => {
        const replay = vi.fn<ReplayFn>();
        await expectError(
          await callApp(testApp(authFor('user_not_admin', { factorVerificationAge: [0, 0] }), { replay }), path, {
            method,
          }),
          403,
          'forbidden',
        );
        for (const fva of [null, [0, -1], [0, 45]] as const) {
          const res = await callApp(testApp(admin(fva as [number, number] | null), { replay }), path, { method });
          await expectError(res, 403, 'second_factor_required');
        }
        await expectError(await callApp(testApp(null, { replay }), path, { method }), 401, 'invalid_token');
        expect(replay).not.toHaveBeenCalled();
      },
    );
  }
});

describe('GET /v1/admin/tenants', () => {
  it('finds by id and by email prefix, filters by status, and pages', async () => {
    const tag = uid('t').toLowerCase();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = uid('user');
      ids.push(id);
      await seedTenant({
        id,
        email: `${tag}.${i}@Example.com`,
        status: i === 4 ? 'archived' : 'active',
        createdAt: 1_000 + i,
      });
    }
    const app = testApp(admin());
    const byId = await (await callApp(app, `/v1/admin/tenants?q=${ids[2]}`)).json();
    expect(tenantPage.parse(byId).items.map((t) => t.id)).toEqual([ids[2]]);

    const active: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await callApp(
        app,
        `/v1/admin/tenants?q=${tag.toUpperCase()}&status=active&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      const body = tenantPage.parse(await res.json());
      active.push(...body.items.map((t) => t.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(active).toEqual([ids[3], ids[2], ids[1], ids[0]]);
  });

  it('hostile input ⇒ 400', async () => {
    const app = testApp(admin());
    for (const q of ['status=deleted', 'limit=1000', 'cursor=nope', `q=${'a'.repeat(400)}`]) {
      await expectError(await callApp(app, `/v1/admin/tenants?${q}`), 400, 'invalid_request');
    }
    await expectError(await callApp(app, '/v1/admin/tenants/bad%20id'), 400, 'invalid_request');
  });

  it('GET /v1/admin/tenants/:id ⇒ the tenant, or 404 not_found', async () => {
    const id = uid('user');
    await seedTenant({ id, email: 'x@example.com' });
    const res = await callApp(testApp(admin()), `/v1/admin/tenants/${id}`);
    expect(await res.json()).toMatchObject({ id, email: 'x@example.com' });
    await expectError(await callApp(testApp(admin()), `/v1/admin/tenants/${uid('user')}`), 404, 'not_found');
  });
});

describe('GET /v1/admin/usage', () => {
  it('counts distinct users over the last 30 UTC days from the rollup', async () => {
    // A window in 2091 that no other test writes to.
    const now = Date.UTC(2091, 5, 30, 12);
    const rows = [
      { day: '2091-06-30', userId: 'user_u1' },
      { day: '2091-06-30', userId: 'user_u2' },
      { day: '2091-06-01', userId: 'user_u1' }, // 29 days back: inside
      { day: '2091-06-01', userId: 'user_u3' },
      { day: '2091-05-31', userId: 'user_u4' }, // 30 days back: outside
      { day: '2091-07-01', userId: 'user_u5' }, // future: outside
    ];
    await testDb().insert(schema.dailyActiveUsers).values(rows);
    const res = await callApp(testApp(admin(), { services: createServices({ now: () => now }) }), '/v1/admin/usage');
    expect(res.status).toBe(200);
    const usage = usageSchema.parse(await res.json());
    expect(usage.history).toHaveLength(90);
    expect(usage.history.at(-1)).toEqual({ day: '2091-06-30', dau: 2, mau: 3, mru: 1 });
    expect({ ...usage, history: undefined }).toEqual({
      mau: 3,
      // user_u1: first active 06-01, back on 06-30.
      mru: 1,
      history: undefined,
      windowDays: 30,
      freeTierLimit: 10_000,
      upgradeRecommended: false,
      dailyActive: [
        { day: '2091-06-01', users: 2 },
        { day: '2091-06-30', users: 2 },
      ],
    });
  });

  it('recommends an upgrade past 10,000 monthly active users', async () => {
    const now = Date.UTC(2092, 0, 15);
    const values = Array.from(
      { length: 10_001 },
      (_, i) => `('2092-01-${String(1 + (i % 15)).padStart(2, '0')}', 'user_m${i}')`,
    );
    for (let i = 0; i < values.length; i += 1000)
      await env.DB.exec(`insert into daily_active_users (day, user_id) values ${values.slice(i, i + 1000).join(',')}`);
    const { getUsage } = await import('../../src/admin/usage-store');
    const usage = await getUsage(testDb(), { now });
    expect(usage.mau).toBe(10_001);
    expect(usage.upgradeRecommended).toBe(true);
  });
});

describe('webhook events', () => {
  async function seedEvent(status: 'failed' | 'processed', receivedAt: number) {
    const svixId = uid('msg');
    await seedWebhookEvent({
      svixId,
      type: 'user.created',
      eventAt: receivedAt,
      status,
      attempts: 1,
      lastError: status === 'failed' ? 'boom' : null,
      payload: '{"data":{"email":"pii@example.com"}}',
      receivedAt,
    });
    return svixId;
  }

  it('GET /v1/admin/webhooks?status=failed lists failed events, newest first, without payloads', async () => {
    const base = Date.UTC(2093, 0, 1);
    const failed = [await seedEvent('failed', base + 3), await seedEvent('failed', base + 2)];
    await seedEvent('processed', base + 1);
    const res = await callApp(testApp(admin()), '/v1/admin/webhooks?status=failed&limit=100');
    const text = await res.text();
    expect(text).not.toContain('pii@example.com');
    expect(text).not.toContain('payload');
    const body = webhookPage.parse(JSON.parse(text));
    expect(body.items.every((e) => e.status === 'failed')).toBe(true);
    const ours = body.items.filter((e) => failed.includes(e.svixId)).map((e) => e.svixId);
    expect(ours).toEqual(failed);
    await expectError(await callApp(testApp(admin()), '/v1/admin/webhooks?status=broken'), 400, 'invalid_request');
  });

  it(
    'POST /v1/admin/webhooks/:svixId/replay re-applies through the ' + 'injected replay; 404 for an unknown id',
    async () => {
      const svixId = await seedEvent('failed', Date.now());
      const replay = vi.fn<ReplayFn>(async (db, id) => {
        await db
          .update(schema.webhookEvents)
          .set({ status: 'processed', lastError: null })
          .where((await import('drizzle-orm')).eq(schema.webhookEvents.svixId, id));
        return { status: 'processed' };
      });
      const res = await callApp(testApp(admin(), { replay }), `/v1/admin/webhooks/${svixId}/replay`, {
        method: 'POST',
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        svixId,
        outcome: 'processed',
        event: { svixId, status: 'processed', lastError: null },
      });
      expect(replay).toHaveBeenCalledOnce();
      expect(replay.mock.calls[0]?.[1]).toBe(svixId);

      await expectError(
        await callApp(testApp(admin(), { replay }), `/v1/admin/webhooks/${uid('msg')}/replay`, { method: 'POST' }),
        404,
        'not_found',
      );
      expect(replay).toHaveBeenCalledOnce();
    },
  );
});
