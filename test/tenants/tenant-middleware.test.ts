import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { AuthContext } from '../../src/auth/types';
import { createBaseApp } from '../../src/base-app';
import * as schema from '../../src/db/schema';
import { createServices } from '../../src/services/services';
import { createLoadTenant, requireActiveTenant } from '../../src/tenants/tenant-middleware';
import { ensureTenantForUser } from '../../src/tenants/tenant-store';
import { sessionAuthContext } from '../helpers/auth-context';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver } from '../helpers/webhooks';

const db = drizzle(env.DB, { schema });
/** One isolate: the loader's tenant cache is the one this app's webhook route invalidates. */
const services = createServices();
const loadTenant = createLoadTenant({ cache: services.tenantCache, now: services.now });
const sameIsolate = createApp({ services });
const count = async (id: string) =>
  (await env.DB.prepare('select count(*) as n from tenants where id = ?').bind(id).first<{ n: number }>())?.n;

/**
 * Unit test of the middleware only: a tiny test-only middleware stands in for the session
 * middleware and sets `c.var.auth` directly (the end-to-end `/v1/me` test with really
 * verified tokens belongs to the auth integration).
 */
function testApp() {
  return createBaseApp(services)
    .use('*', async function testAuth(c, next) {
      const raw = c.req.header('x-test-auth');
      if (raw) c.set('auth', JSON.parse(raw) as AuthContext);
      await next();
    })
    .get('/me', loadTenant, (c) => c.json({ tenant: c.var.tenant, orgTenant: c.var.orgTenant }))
    .get('/tenant', loadTenant, requireActiveTenant, (c) => c.json(c.var.tenant));
}

async function get(path: string, auth?: Partial<AuthContext>, bindings: object = env) {
  const full: AuthContext | undefined = auth && sessionAuthContext('user_x', { sessionId: 'sess_x', ...auth });
  const ctx = createExecutionContext();
  const headers: Record<string, string> = full ? { 'x-test-auth': JSON.stringify(full) } : {};
  const res = await testApp().fetch(new Request(`https://edge.fulcrum.test${path}`, { headers }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('ensureTenantForUser', () => {
  it('creates a minimal jit tenant that a later user.created completes', async () => {
    const userId = uid('user');
    const tenant = await ensureTenantForUser(db, { userId, now: 1_000 });
    expect(tenant).toMatchObject({
      id: userId,
      kind: 'user',
      status: 'active',
      source: 'jit',
      name: null,
      profileEventAt: 0,
      createdAt: 1_000,
    });
    await deliver(
      clerkEvent(
        'user.created',
        {
          id: userId,
          first_name: 'Late',
          last_name: 'Hook',
          primary_email_address_id: 'e1',
          email_addresses: [{ id: 'e1', email_address: 'late@x.test' }],
        },
        Date.now(),
      ),
    );
    expect(await ensureTenantForUser(db, { userId, now: 2_000 })).toMatchObject({
      source: 'jit',
      name: 'Late Hook',
      email: 'late@x.test',
      status: 'active',
      createdAt: 1_000,
    });
  });

  it('is race-safe: 25 concurrent calls create exactly one row and all see it', async () => {
    const userId = uid('user');
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => ensureTenantForUser(db, { userId, now: 5_000 + i })),
    );
    expect(await count(userId)).toBe(1);
    expect(new Set(results.map((t) => t.createdAt)).size).toBe(1);
  });

  it('never changes an existing tenant (an archived one stays archived)', async () => {
    const userId = uid('user');
    await deliver(clerkEvent('user.deleted', { id: userId, deleted: true }, Date.now()));
    expect(await ensureTenantForUser(db, { userId, now: Date.now(), name: 'Zombie' })).toMatchObject({
      status: 'archived',
      name: null,
      source: 'webhook',
    });
  });
});

describe('loadTenant middleware', () => {
  it('loads or creates the caller tenant, using name/email claims when present', async () => {
    const userId = uid('user');
    const res = await get('/me', { userId, claims: { email: 'jit@x.test', name: 'Jit User' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tenant: Record<string, unknown>; orgTenant: unknown };
    expect(body.tenant).toMatchObject({
      id: userId,
      kind: 'user',
      source: 'jit',
      email: 'jit@x.test',
      name: 'Jit User',
    });
    expect(body.orgTenant).toBeNull();
  });

  it('D1 refusing the just-in-time write (full, overloaded) still answers 200 with the unsaved tenant', async () => {
    const userId = uid('user');
    // Reads work, every write batch is refused, as D1 does when full or overloaded.
    const refuseWrites = <T extends object>(d1: T): T =>
      new Proxy(d1, {
        get(target, prop) {
          if (prop === 'batch') return async () => Promise.reject(new Error('D1_ERROR: database full (SQLITE_FULL)'));
          const value = Reflect.get(target, prop);
          if (prop === 'withSession' && typeof value === 'function')
            return (...args: unknown[]) => refuseWrites(value.apply(target, args));
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const refusing = refuseWrites(env.DB);
    const res = await get('/me', { userId, claims: { email: 'full@x.test' } }, { ...env, DB: refusing });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tenant: unknown }).tenant).toMatchObject({
      id: userId,
      source: 'jit',
      status: 'active',
    });
    expect(await count(userId)).toBe(0);
    // Not cached: the next request, with D1 writable again, stores it.
    expect((await get('/me', { userId })).status).toBe(200);
    expect(await count(userId)).toBe(1);
  });

  it('D1 refusing the write does not hide a tenant the replica has not seen yet: archived stays refused', async () => {
    const userId = uid('user');
    await env.DB.prepare(
      "insert into tenants (id, kind, status, source, created_at, updated_at) values (?, 'user', 'archived', 'webhook', 1, 1)",
    )
      .bind(userId)
      .run();
    // The request's session is a replica that has not seen the row yet, and writes are refused (D1 full).
    const empty = <T extends object>(stmt: T): T =>
      new Proxy(stmt, {
        get(target, prop) {
          if (prop === 'bind') return (...args: unknown[]) => empty((target as D1PreparedStatement).bind(...args));
          if (prop === 'raw') return async () => [];
          if (prop === 'all') return async () => ({ results: [], success: true, meta: {} });
          if (prop === 'first') return async () => null;
          const value = Reflect.get(target, prop);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const staleSession = (session: D1DatabaseSession) =>
      new Proxy(session, {
        get(target, prop) {
          if (prop === 'batch') return async () => Promise.reject(new Error('D1_ERROR: database full (SQLITE_FULL)'));
          if (prop === 'prepare') return (query: string) => empty(target.prepare(query));
          const value = Reflect.get(target, prop);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'withSession') return (...args: [string?]) => staleSession(target.withSession(...args));
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expectError(await get('/tenant', { userId }, { ...env, DB: db }), 403, 'tenant_archived');
  });

  it('20 parallel first requests ⇒ one tenant row', async () => {
    const userId = uid('user');
    const responses = await Promise.all(Array.from({ length: 20 }, () => get('/me', { userId })));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await count(userId)).toBe(1);
  });

  it('org session: tenant is the user’s, orgTenant the organization’s (null when unknown)', async () => {
    const userId = uid('user');
    const orgId = uid('org');
    const unknown = (await (await get('/me', { userId, orgId, orgRole: 'org:admin' })).json()) as {
      tenant: { id: string };
      orgTenant: unknown;
    };
    expect(unknown.tenant.id).toBe(userId);
    expect(unknown.orgTenant).toBeNull();
    await deliver(clerkEvent('organization.created', { id: orgId, name: 'Org', slug: 'org' }, Date.now()), {
      app: sameIsolate,
    });
    const known = (await (await get('/me', { userId, orgId })).json()) as {
      tenant: { id: string };
      orgTenant: { id: string; kind: string };
    };
    expect(known.tenant.id).toBe(userId);
    expect(known.orgTenant).toMatchObject({ id: orgId, kind: 'organization' });
    expect(await count(orgId)).toBe(1);
  });

  it('requireActiveTenant: 403 tenant_archived after user.deleted', async () => {
    const userId = uid('user');
    expect((await get('/tenant', { userId })).status).toBe(200);
    await deliver(clerkEvent('user.deleted', { id: userId, deleted: true }, Date.now()), { app: sameIsolate });
    await expectError(await get('/tenant', { userId }), 403, 'tenant_archived');
    expect((await get('/me', { userId })).status).toBe(200);
  });

  it('without auth it refuses (401) instead of creating anything', async () => {
    await expectError(await get('/me'), 401, 'invalid_token');
  });
});
