import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJobState } from '../../src/db/job-state';
import worker from '../../src/index';
import { RECONCILE_JOB, type ReconcileState, reconcileUsers } from '../../src/maintenance/reconcile-users';
import { runMaintenance } from '../../src/scheduled';
import { createServices, type Services } from '../../src/services/services';
import { getTenant } from '../../src/tenants/tenant-store';
import { seedTenant, testDb } from '../helpers/api-app';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';

const T0 = Date.UTC(2026, 10, 26, 12);
const user = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `user_r${n}`,
  email_addresses: [{ id: `idn_${n}`, email_address: `r${n}@example.com` }],
  primary_email_address_id: `idn_${n}`,
  first_name: `First${n}`,
  last_name: null,
  username: null,
  image_url: null,
  created_at: T0 - 100_000 + n,
  updated_at: T0 - 50_000,
  ...extra,
});

/** Clerk's `GET /v1/users` over `users`, honouring limit/offset and recording the queries. */
function usersEndpoint(users: () => unknown[], seen: URLSearchParams[] = []) {
  return (req: Request) => {
    const url = new URL(req.url);
    seen.push(url.searchParams);
    const limit = Number(url.searchParams.get('limit'));
    const offset = Number(url.searchParams.get('offset'));
    return json(users().slice(offset, offset + limit));
  };
}

let clerk: ClerkMock | undefined;
beforeEach(async () => {
  // Storage is per test file; this file owns its tenants and job state.
  await env.DB.batch([env.DB.prepare('delete from tenants'), env.DB.prepare('delete from job_state')]);
});
afterEach(() => {
  expect(clerk?.unhandled ?? []).toEqual([]);
  clerk?.restore();
  clerk = undefined;
});

const api = { apiUrl: env.CLERK_API_URL, secretKey: env.CLERK_SECRET_KEY as string };
const limits = { pageSize: 2, pagesPerRun: 2, verifyPerRun: 10, sweepIntervalMs: 3_600_000 };

describe('reconcileUsers', () => {
  it('creates tenants for users webhooks missed, resumably, with Bearer auth and ascending order', async () => {
    const users = [user(1), user(2), user(3), user(4), user(5)];
    const queries: URLSearchParams[] = [];
    clerk = mockClerk({ '/v1/users': usersEndpoint(() => users, queries) });

    const first = await reconcileUsers(testDb(), api, T0, limits);
    expect(first).toMatchObject({ phase: 'list', listed: 4 });
    expect((await readJobState<ReconcileState>(testDb(), { name: RECONCILE_JOB }))?.offset).toBe(4);
    expect(await getTenant(testDb(), { id: 'user_r5' })).toBeNull();

    const second = await reconcileUsers(testDb(), api, T0 + 600_000, limits);
    expect(second).toMatchObject({ phase: 'idle', listed: 1, archived: 0 });
    expect(await getTenant(testDb(), { id: 'user_r5' })).toMatchObject({
      source: 'reconcile',
      kind: 'user',
      email: 'r5@example.com',
      name: 'First5',
      status: 'active',
    });
    expect(queries.map((q) => [q.get('offset'), q.get('limit'), q.get('order_by')])).toEqual([
      ['0', '2', '+created_at'],
      ['2', '2', '+created_at'],
      ['4', '2', '+created_at'],
    ]);
    expect(clerk.calls.every((r) => r.headers.get('authorization') === `Bearer ${env.CLERK_SECRET_KEY}`)).toBe(true);

    // A finished sweep waits for the interval before starting again.
    const calls = clerk.calls.length;
    expect(await reconcileUsers(testDb(), api, T0 + 700_000, limits)).toMatchObject({ phase: 'idle', listed: 0 });
    expect(clerk.calls.length).toBe(calls);
  });

  it('archives tenants whose users Clerk no longer has (verified one by one), never newer webhook state', async () => {
    await seedTenant({ id: 'user_r1', createdAt: T0 - 10 });
    await seedTenant({ id: 'user_gone', createdAt: T0 - 10 });
    await seedTenant({ id: 'user_shifted', createdAt: T0 - 10 }); // missed by the list (offset shift), still exists
    await seedTenant({ id: 'user_late', createdAt: T0 - 10, lastEventAt: T0 + 5 }); // a webhook touched it mid-sweep
    await seedTenant({ id: 'org_x', kind: 'organization', createdAt: T0 - 10 });
    clerk = mockClerk({
      '/v1/users': usersEndpoint(() => [user(1)]),
      '/v1/users/user_gone': () => json({ errors: [{ code: 'resource_not_found' }] }, 404),
      '/v1/users/user_shifted': () => json(user(9, { id: 'user_shifted' })),
    });
    const report = await reconcileUsers(testDb(), api, T0, limits);
    expect(report).toMatchObject({ phase: 'idle', listed: 1, archived: 1, verified: 1 });
    expect((await getTenant(testDb(), { id: 'user_gone' }))?.status).toBe('archived');
    expect((await getTenant(testDb(), { id: 'user_shifted' }))?.status).toBe('active');
    expect((await getTenant(testDb(), { id: 'user_late' }))?.status).toBe('active');
    expect((await getTenant(testDb(), { id: 'org_x' }))?.status).toBe('active');
    expect(clerk.calls.map((r) => new URL(r.url).pathname).sort()).toEqual([
      '/v1/users',
      '/v1/users/user_gone',
      '/v1/users/user_shifted',
    ]);
  });

  it('updates a profile only when Clerk is newer than the webhook state, and never resurrects', async () => {
    await seedTenant({ id: 'user_r1', email: 'webhook-newer@example.com', profileEventAt: T0, createdAt: T0 - 10 });
    await seedTenant({ id: 'user_r2', email: 'stale@example.com', profileEventAt: T0 - 60_000, createdAt: T0 - 10 });
    await seedTenant({ id: 'user_r3', status: 'archived', email: 'deleted@example.com', createdAt: T0 - 10 });
    clerk = mockClerk({ '/v1/users': usersEndpoint(() => [user(1), user(2), user(3)]) });
    await reconcileUsers(testDb(), api, T0, { ...limits, pageSize: 10 });
    expect(await getTenant(testDb(), { id: 'user_r1' })).toMatchObject({
      email: 'webhook-newer@example.com',
      profileEventAt: T0,
      source: 'webhook',
    });
    expect(await getTenant(testDb(), { id: 'user_r2' })).toMatchObject({
      email: 'r2@example.com',
      profileEventAt: T0 - 50_000,
    });
    expect(await getTenant(testDb(), { id: 'user_r3' })).toMatchObject({
      status: 'archived',
      email: 'deleted@example.com',
    });
  });

  it('stops without writes on 401, a malformed or oversized body, or a timeout, and resumes later', async () => {
    await seedTenant({ id: 'user_keep', createdAt: T0 - 10 });
    const cases: [string, (r: Request) => Response | Promise<Response>][] = [
      ['unauthorized', () => json({ errors: [] }, 401)],
      ['malformed', () => json({ data: [user(1)], total_count: 1 })],
      ['malformed', () => new Response('<html>', { status: 200 })],
      ['too_large', () => json([user(1)], 200, { 'content-length': String(10 * 1024 * 1024) })],
      ['too_large', () => new Response(`[${'1,'.repeat(1_100_000)}1]`)],
      ['timeout', (r) => new Promise((_, reject) => r.signal.addEventListener('abort', () => reject(r.signal.reason)))],
    ];
    for (const [reason, handler] of cases) {
      clerk?.restore();
      clerk = mockClerk({ '/v1/users': handler });
      const report = await reconcileUsers(testDb(), { ...api, timeoutMs: 50 }, T0, limits);
      expect(report.error, reason).toBe(reason);
      expect(await getTenant(testDb(), { id: 'user_r1' })).toBeNull();
      expect((await getTenant(testDb(), { id: 'user_keep' }))?.status).toBe('active');
    }
    clerk?.restore();
    clerk = mockClerk({
      '/v1/users': usersEndpoint(() => [user(1)]),
      '/v1/users/user_keep': () => json(user(7, { id: 'user_keep' })),
    });
    expect(await reconcileUsers(testDb(), api, T0, limits)).toMatchObject({ phase: 'idle', listed: 1, verified: 1 });
  });
});

describe('scheduled', () => {
  it("the Worker's scheduled export runs reconciliation (and the retry of failed webhooks)", async () => {
    clerk = mockClerk({ '/v1/users': usersEndpoint(() => [user(1)]) });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: T0, cron: '*/10 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await getTenant(testDb(), { id: 'user_r1' })).toMatchObject({ source: 'reconcile' });
    expect(await readJobState<ReconcileState>(testDb(), { name: RECONCILE_JOB })).toMatchObject({
      phase: 'idle',
      lastSweepAt: T0,
    });
  });

  it('runMaintenance skips reconciliation without CLERK_SECRET_KEY and isolates failures', async () => {
    const report = await runMaintenance(createServices(), { ...env, CLERK_SECRET_KEY: undefined }, T0);
    expect(report.reconcile).toEqual({ skipped: 'CLERK_SECRET_KEY' });
    // The replay is part of the services (required by type): the retry always runs.
    expect(report.retry).toEqual({ attempted: 0, processed: 0, failed: 0 });
    clerk = mockClerk({ '/v1/users': usersEndpoint(() => [user(1)]) });
    const broken: Services = {
      ...createServices(),
      replay: async () => {
        throw new Error('boom');
      },
    };
    const withBrokenReplay = await runMaintenance(broken, env, T0);
    expect(withBrokenReplay.reconcile).toMatchObject({ listed: 1 });
  });

  it("a tenant reconciliation creates, changes or archives leaves the services' tenant cache at once", async () => {
    const services = createServices();
    const changed = await seedTenant({
      id: 'user_r1',
      email: 'old@example.com',
      profileEventAt: T0 - 60_000,
      createdAt: T0 - 10,
    });
    const unchanged = await seedTenant({
      id: 'user_r2',
      email: 'r2@example.com',
      profileEventAt: T0,
      createdAt: T0 - 10,
    });
    const gone = await seedTenant({ id: 'user_gone', createdAt: T0 - 10 });
    for (const t of [changed, unchanged, gone]) services.tenantCache.set(t.id, t, T0);
    services.tenantCache.set('user_r3', null, T0);
    clerk = mockClerk({
      '/v1/users': usersEndpoint(() => [user(1), user(2), user(3)]),
      '/v1/users/user_gone': () => json({ errors: [{ code: 'resource_not_found' }] }, 404),
    });
    const report = await runMaintenance(services, env, T0, { reconcile: { ...limits, pageSize: 10 } });
    expect(report.reconcile).toMatchObject({ listed: 3, archived: 1 });
    expect(services.tenantCache.get('user_r1', T0)).toBeUndefined(); // profile applied (Clerk newer)
    expect(services.tenantCache.get('user_r3', T0)).toBeUndefined(); // created
    expect(services.tenantCache.get('user_gone', T0)).toBeUndefined(); // archived
    // webhook state newer: untouched
    expect(services.tenantCache.get('user_r2', T0)).toMatchObject({ email: 'r2@example.com' });
  });
});
