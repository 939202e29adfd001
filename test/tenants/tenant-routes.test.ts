import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema';
import { auditPage, currentOrg } from '../../src/tenants/tenant-routes';
import { callApp, seedAudits, seedTenant, testApp, testDb } from '../helpers/api-app';
import { authFor } from '../helpers/auth-context';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';

type Page = {
  items: { sessionId: string; createdAt: string; status: string; userId: string }[];
  nextCursor: string | null;
};

async function page(app: ReturnType<typeof testApp>, query: string): Promise<Page> {
  const res = await callApp(app, `/v1/audit/logins${query}`);
  expect(res.status).toBe(200);
  const body = await res.json();
  // Every response matches the schema the OpenAPI document publishes.
  expect(auditPage.safeParse(body).success).toBe(true);
  return body as Page;
}

describe('GET /v1/tenant', () => {
  it("returns the caller's tenant with ISO timestamps", async () => {
    const userId = uid('user');
    await seedTenant({ id: userId, email: 'a@example.com', createdAt: Date.UTC(2026, 0, 2) });
    const res = await callApp(testApp(authFor(userId)), '/v1/tenant');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: userId,
      kind: 'user',
      status: 'active',
      email: 'a@example.com',
      createdAt: '2026-01-02T00:00:00.000Z',
    });
  });

  it('answers 403 tenant_archived for an archived tenant', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId, status: 'archived', archivedAt: Date.now() });
    await expectError(await callApp(testApp(authFor(userId)), '/v1/tenant'), 403, 'tenant_archived');
    await expectError(await callApp(testApp(authFor(userId)), '/v1/audit/logins'), 403, 'tenant_archived');
  });

  it('is unreachable without a session (the default app fails closed until auth is wired)', async () => {
    await expectError(await callApp(testApp(null), '/v1/tenant'), 401, 'invalid_token');
    const { createApp } = await import('../../src/app');
    await expectError(await callApp(createApp(), '/v1/tenant'), 401, 'invalid_token');
  });
});

describe('GET /v1/audit/logins', () => {
  it('pages through every audit exactly once, newest first, with ties broken by session id', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    const rows = await seedAudits(userId, userId, 45);
    const app = testApp(authFor(userId));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: Page = await page(app, `?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...p.items.map((i) => i.sessionId));
      cursor = p.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    const expected = [...rows]
      .sort((a, b) => b.createdAt - a.createdAt || (a.sessionId < b.sessionId ? 1 : -1))
      .map((r) => r.sessionId);
    expect(seen).toEqual(expected);
  });

  it('defaults to 20 items and renders the DESIGN.md item shape', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    await seedAudits(userId, userId, 25);
    const p = await page(testApp(authFor(userId)), '');
    expect(p.items).toHaveLength(20);
    expect(p.nextCursor).toEqual(expect.any(String));
    expect(Object.keys(p.items[0] ?? {}).sort()).toEqual([
      'createdAt',
      'endedAt',
      'ip',
      'sessionId',
      'status',
      'userAgent',
      'userId',
    ]);
    expect(p.items[0]?.createdAt).toBe('2026-11-01T00:00:00.000Z');
  });

  it('filters by from (inclusive), to (exclusive) and status', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    const rows = await seedAudits(userId, userId, 30);
    const from = new Date(Date.UTC(2026, 10, 1) - 10_000).toISOString();
    const to = new Date(Date.UTC(2026, 10, 1) - 2_000).toISOString();
    const p = await page(testApp(authFor(userId)), `?from=${from}&to=${to}&status=ended&limit=100`);
    const expected = rows.filter(
      (r) => r.createdAt >= Date.parse(from) && r.createdAt < Date.parse(to) && r.status === 'ended',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(p.items.map((i) => i.sessionId).sort()).toEqual(expected.map((r) => r.sessionId).sort());
  });

  it('answers 503 misconfigured without CLERK_SECRET_KEY (the cursor key), naming it', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    const res = await callApp(testApp(authFor(userId)), '/v1/audit/logins', undefined, {
      ...env,
      CLERK_SECRET_KEY: undefined,
    });
    const err = await expectError(res, 503, 'misconfigured');
    expect(err).toMatchObject({ missing: ['CLERK_SECRET_KEY'] });
  });

  it("never shows another tenant's audits", async () => {
    const [a, b] = [uid('user'), uid('user')];
    await seedTenant({ id: a });
    await seedTenant({ id: b });
    await seedAudits(b, b, 5);
    const p = await page(testApp(authFor(a)), '?limit=100');
    expect(p.items).toEqual([]);
    expect(p.nextCursor).toBeNull();
  });

  describe('hostile input ⇒ 400 invalid_request', () => {
    const bad = [
      'limit=0',
      'limit=101',
      'limit=-1',
      'limit=abc',
      'limit=1e2',
      'limit=0x10',
      'limit=%2010',
      'limit=',
      'from=yesterday',
      'from=2026-13-01T00:00:00Z',
      'to=1700000000000',
      'from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z',
      'status=%27%3B%20drop',
      'cursor=',
      'cursor=%%%',
      'cursor=abc',
      'cursor=abc.def',
      'cursor=a.b.c',
      `cursor=${'x'.repeat(2000)}`,
    ];
    for (const query of bad) {
      it(query.slice(0, 60), async () => {
        const userId = uid('user');
        await seedTenant({ id: userId });
        const err = await expectError(
          await callApp(testApp(authFor(userId)), `/v1/audit/logins?${query}`),
          400,
          'invalid_request',
        );
        expect(JSON.stringify(err)).not.toContain('drop');
      });
    }
  });

  it("rejects a cursor from another tenant (400) and so never yields that tenant's rows", async () => {
    const [a, b] = [uid('user'), uid('user')];
    await seedTenant({ id: a });
    await seedTenant({ id: b });
    await seedAudits(a, a, 5);
    await seedAudits(b, b, 5);
    const bPage = await page(testApp(authFor(b)), '?limit=2');
    expect(bPage.nextCursor).not.toBeNull();
    await expectError(
      await callApp(testApp(authFor(a)), `/v1/audit/logins?limit=2&cursor=${bPage.nextCursor}`),
      400,
      'invalid_request',
    );
  });

  it('rejects a tampered cursor, and a cursor reused with different filters', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    await seedAudits(userId, userId, 5);
    const app = testApp(authFor(userId));
    const { nextCursor } = await page(app, '?limit=2');
    const [payload, mac] = (nextCursor as string).split('.') as [string, string];
    const forged = btoa(JSON.stringify({ c: 9e15, s: 'zzz' }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    for (const cursor of [`${forged}.${mac}`, `${payload}.${mac.slice(0, -2)}AA`, `${payload}x.${mac}`, payload]) {
      await expectError(await callApp(app, `/v1/audit/logins?limit=2&cursor=${cursor}`), 400, 'invalid_request');
    }
    await expectError(
      await callApp(app, `/v1/audit/logins?limit=2&status=ended&cursor=${nextCursor}`),
      400,
      'invalid_request',
    );
  });
});

describe('GET /v1/orgs/current', () => {
  async function seedOrg(status: 'active' | 'archived' = 'active') {
    const orgId = uid('org');
    await seedTenant({ id: orgId, kind: 'organization', name: 'Acme', status });
    const [admin, member, gone] = [uid('user'), uid('user'), uid('user')];
    const now = Date.now();
    const m = (userId: string, role: string, s: 'active' | 'deleted') => ({
      id: uid('orgmem'),
      orgId,
      userId,
      role,
      status: s,
      createdAt: now,
      updatedAt: now,
    });
    await testDb()
      .insert(schema.organizationMemberships)
      .values([m(admin, 'org:admin', 'active'), m(member, 'org:member', 'active'), m(gone, 'org:member', 'deleted')]);
    return { orgId, admin, member, gone };
  }

  it('returns the active organization and its active members by role', async () => {
    const { orgId, admin, member } = await seedOrg();
    const res = await callApp(testApp(authFor(member, { orgId, orgRole: 'org:member' })), '/v1/orgs/current');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      organization: { id: string };
      role: string;
      membersByRole: Record<string, { userId: string }[]>;
    };
    expect(currentOrg.safeParse(body).success).toBe(true);
    expect(body.organization.id).toBe(orgId);
    expect(body.role).toBe('org:member');
    expect(body.membersByRole['org:admin']?.map((x) => x.userId)).toEqual([admin]);
    expect(body.membersByRole['org:member']?.map((x) => x.userId)).toEqual([member]);
  });

  it('404 without an active organization; 403 for a removed member or an archived org', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    await expectError(await callApp(testApp(authFor(userId)), '/v1/orgs/current'), 404, 'not_found');
    const { orgId, gone } = await seedOrg();
    await expectError(
      await callApp(testApp(authFor(gone, { orgId, orgRole: 'org:member' })), '/v1/orgs/current'),
      403,
      'forbidden',
    );
    const archived = await seedOrg('archived');
    await expectError(
      await callApp(testApp(authFor(archived.admin, { orgId: archived.orgId })), '/v1/orgs/current'),
      403,
      'tenant_archived',
    );
    await expectError(
      await callApp(testApp(authFor(userId, { orgId: uid('org') })), '/v1/orgs/current'),
      404,
      'not_found',
    );
  });
});
