import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import * as schema from '../../src/db/schema';
import { getWebhookEvent } from '../../src/webhooks/event-store';
import { processStoredEvent } from '../../src/webhooks/process-event';
import { testDb } from '../helpers/api-app';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, svixHeaders } from '../helpers/webhooks';

/**
 * A D1 binding whose next `batch()` fails *inside* D1, after some statements ran: a
 * failing statement is spliced in at `at`, so D1 must roll back what came before it.
 * `down: true` makes every call fail instead (storage unreachable).
 */
function faultyDb(options: { at?: number; down?: boolean }) {
  let armed = true;
  const real = env.DB;
  const batches: number[] = [];
  const db = new Proxy(real, {
    get(target, prop) {
      if (options.down && (prop === 'batch' || prop === 'prepare' || prop === 'exec'))
        return () => {
          throw new Error('D1_ERROR: storage unreachable');
        };
      if (prop === 'batch')
        return (statements: D1PreparedStatement[]) => {
          batches.push(statements.length);
          if (!armed) return target.batch(statements);
          armed = false;
          const at = Math.min(options.at ?? 1, statements.length);
          // A run-time failure (NOT NULL constraint), raised only when D1 executes it.
          const poison = target.prepare("insert into job_state (name, value, updated_at) values ('fault', null, 0)");
          return target.batch([...statements.slice(0, at), poison, ...statements.slice(at)]);
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db, batches };
}

async function post(bindings: object, body: string, headers: Record<string, string>) {
  const ctx = createExecutionContext();
  const req = new Request('https://edge.fulcrum.test/api/webhooks/clerk', { method: 'POST', body, headers });
  const res = await createApp().fetch(req, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const first = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .first<Record<string, unknown>>();

describe('storage faults', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());

  it('a D1 failure mid-event ⇒ 503 storage_unavailable + Retry-After, no partial state, failure recorded; the redelivery succeeds', async () => {
    const userId = uid('user');
    const sid = uid('sess');
    const at = Date.now();
    const body = JSON.stringify(clerkEvent('session.created', { id: sid, user_id: userId, created_at: at }, at));
    const headers = svixHeaders(body);
    // Batch: [payload row, mark processed, login audit, daily active]; fail after the audit ran.
    const { db, batches } = faultyDb({ at: 3 });
    const res = await post({ ...env, DB: db }, body, headers);
    expect(res.headers.get('retry-after')).toBe('30');
    const error = await expectError(res, 503, 'storage_unavailable');
    expect(JSON.stringify(error)).not.toMatch(/job_state|constraint|D1_ERROR/i);
    // The event's batch, then the failure's own (payload row and record, one atomic batch).
    expect(batches).toEqual([4, 2]);

    expect(await first('select * from login_audits where session_id = ?', sid)).toBeNull();
    expect(await first('select * from daily_active_users where user_id = ?', userId)).toBeNull();
    const failed = await first(
      'select status, attempts, last_error, next_attempt_at, typeof(payload) as stored from webhook_events ' +
        'left join webhook_payloads using (svix_id) where svix_id = ?',
      headers['svix-id'],
    );
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, stored: 'blob' });
    expect((await getWebhookEvent(testDb(), headers['svix-id'] as string))?.payload).toBe(body);
    expect(String(failed?.last_error)).toMatch(/NOT NULL constraint/);
    expect(Number(failed?.next_attempt_at)).toBeGreaterThan(Date.now() - 60_000);

    // Svix retries the same delivery (same svix-id, re-signed): processed now, not a duplicate.
    const retry = await post(env, body, svixHeaders(body, { id: headers['svix-id'] }));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ received: true });
    expect(await first('select status, ip from login_audits where session_id = ?', sid)).toEqual({
      status: 'active',
      ip: '203.0.113.7',
    });
    expect(await first('select user_id from daily_active_users where user_id = ?', userId)).toEqual({
      user_id: userId,
    });
    expect(
      await first(
        'select status, attempts, last_error, next_attempt_at from webhook_events where svix_id = ?',
        headers['svix-id'],
      ),
    ).toEqual({
      status: 'processed',
      attempts: 2,
      last_error: null,
      next_attempt_at: null,
    });
  });

  it('storage entirely down ⇒ 503 storage_unavailable and nothing written; later delivery succeeds', async () => {
    const userId = uid('user');
    const body = JSON.stringify(clerkEvent('user.created', { id: userId, first_name: 'Down' }, Date.now()));
    const headers = svixHeaders(body);
    const { db } = faultyDb({ down: true });
    await expectError(await post({ ...env, DB: db }, body, headers), 503, 'storage_unavailable');
    expect(await first('select * from tenants where id = ?', userId)).toBeNull();
    expect(await first('select * from webhook_events where svix_id = ?', headers['svix-id'])).toBeNull();
    const ok = await post(env, body, svixHeaders(body, { id: headers['svix-id'] }));
    expect(ok.status).toBe(200);
    expect(await first('select name from tenants where id = ?', userId)).toEqual({ name: 'Down' });
  });

  it('processStoredEvent re-applies a failed delivery with the same rules (replay / cron)', async () => {
    const userId = uid('user');
    const body = JSON.stringify(clerkEvent('user.created', { id: userId, first_name: 'Replay' }, Date.now()));
    const headers = svixHeaders(body);
    const { db } = faultyDb({ at: 1 });
    await expectError(await post({ ...env, DB: db }, body, headers), 503, 'storage_unavailable');
    const d = drizzle(env.DB, { schema });
    const svixId = headers['svix-id'] as string;
    expect(await processStoredEvent(d, svixId, Date.now())).toBe('processed');
    expect(await first('select name, status from tenants where id = ?', userId)).toEqual({
      name: 'Replay',
      status: 'active',
    });
    expect(await processStoredEvent(d, svixId, Date.now())).toBe('duplicate');
    expect(await processStoredEvent(d, uid('msg'), Date.now())).toBe('not_found');
    const redelivered = await deliver(JSON.parse(body), { id: svixId });
    expect(await redelivered.res.json()).toEqual({ received: true, duplicate: true });
  });
});
