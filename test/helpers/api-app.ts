import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import type { MiddlewareHandler } from 'hono';
import { type AppOptions, createApp } from '../../src/app';
import type { AuthContext } from '../../src/auth/types';
import * as schema from '../../src/db/schema';
import type { AppEnv } from '../../src/env';
import { AppError } from '../../src/errors';
import { getTenant, type Tenant } from '../../src/tenants/tenant-store';

/** A Drizzle client on the test D1 (real migrations). */
export const testDb = () => drizzle(env.DB, { schema });

/**
 * The real app (real onError, validation, D1) with test-only stand-ins for the auth
 * and tenant middleware, which other modules provide: the caller is `auth`, and the
 * tenant is loaded from D1 by `auth.orgId ?? auth.userId` (404 when absent).
 */
export function testApp(auth: AuthContext | null, deps: AppOptions = {}) {
  const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!auth) throw new AppError('invalid_token');
    c.set('auth', auth);
    await next();
  };
  const loadTenant: MiddlewareHandler<AppEnv> = async (c, next) => {
    const tenant = await getTenant(c.var.db, { id: c.var.auth.orgId ?? c.var.auth.subject });
    if (!tenant) throw new AppError('not_found');
    c.set('tenant', tenant);
    await next();
  };
  return createApp({ authenticate, loadTenant, ...deps });
}

export { callApp } from './http';

export async function seedTenant(overrides: Partial<Tenant> & { id: string }): Promise<Tenant> {
  const now = Date.now();
  const row = {
    kind: 'user' as const,
    source: 'webhook' as const,
    status: 'active' as const,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await testDb().insert(schema.tenants).values(row);
  return (await getTenant(testDb(), { id: row.id })) as Tenant;
}

/** Inserts login audits for a tenant: `count` sessions, one per second back from `start`. */
export async function seedAudits(
  tenantId: string,
  userId: string,
  count: number,
  start = Date.UTC(2026, 10, 1),
  status = (i: number) => (i % 3 === 0 ? 'ended' : 'active'),
) {
  const rows = Array.from({ length: count }, (_, i) => ({
    sessionId: `sess_${tenantId}_${String(i).padStart(5, '0')}`,
    tenantId,
    userId,
    status: status(i),
    ip: '203.0.113.7',
    userAgent: 'vitest',
    // Pairs of equal timestamps exercise the session_id tie-break.
    createdAt: start - Math.floor(i / 2) * 1000,
    endedAt: null,
  }));
  // ≤ 100 bound parameters per D1 statement: 9 columns ⇒ 10 rows per insert.
  for (let i = 0; i < rows.length; i += 10)
    await testDb()
      .insert(schema.loginAudits)
      .values(rows.slice(i, i + 10));
  return rows;
}

/**
 * A stored webhook event as the service writes it: its record in `webhook_events` and, unless `payload` is null,
 * its payload row in `webhook_payloads` (migration 0009), in one batch.
 */
export async function seedWebhookEvent(
  values: typeof schema.webhookEvents.$inferInsert & {
    payload: string | null;
    userId?: string | null;
    orgId?: string | null;
  },
): Promise<void> {
  const { payload, userId = null, orgId = null, ...event } = values;
  const db = testDb();
  const record = db.insert(schema.webhookEvents).values(event);
  if (payload === null) await record;
  else
    await db.batch([
      record,
      db
        .insert(schema.webhookPayloads)
        .values({ svixId: event.svixId, payload, userId, orgId, receivedAt: event.receivedAt }),
    ]);
}
