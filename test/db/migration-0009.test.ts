import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Migration 0009 moves every kept payload out of `webhook_events` into `webhook_payloads`: applied here to a
// database at migration 0008 holding rows as the service wrote them then (a payload with whom it names, one
// already dropped by retention, a failed one), then checked column by column.

const TABLES =
  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'";

async function dropEverything() {
  const { results } = await env.DB.prepare(TABLES).all<{ name: string }>();
  if (results.length > 0) await env.DB.batch(results.map(({ name }) => env.DB.prepare(`DROP TABLE "${name}"`)));
}

const upTo0008 = () => env.TEST_MIGRATIONS.filter((m) => m.name < '0009');

const insertEvent = (
  svixId: string,
  status: string,
  payload: string | null,
  who: { user?: string; org?: string },
  receivedAt: number,
) =>
  env.DB.prepare(
    'insert into webhook_events (svix_id, type, event_at, status, attempts, payload, user_id, org_id, received_at, ' +
      'next_attempt_at, body_hash) values (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)',
  ).bind(
    svixId,
    'user.updated',
    receivedAt - 5,
    status,
    payload,
    who.user ?? null,
    who.org ?? null,
    receivedAt,
    status === 'failed' ? receivedAt + 60_000 : null,
    `hash_${svixId}`,
  );

const rows = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

describe('migration 0009: payloads in their own table', () => {
  beforeAll(async () => {
    await dropEverything();
    await applyD1Migrations(env.DB, upTo0008());
    await env.DB.batch([
      insertEvent('msg_kept', 'processed', '{"data":{"email":"kept@example.test"}}', { user: 'user_a' }, 1000),
      insertEvent('msg_dropped', 'processed', null, { user: 'user_a' }, 900),
      insertEvent('msg_failed', 'failed', '{"data":{"role":1}}', { user: 'user_b', org: 'org_c' }, 1100),
      insertEvent('msg_nobody', 'ignored', '{"type":"email.created"}', {}, 1200),
    ]);
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });
  // Later files start from fresh storage anyway (test/setup.ts); this leaves the database as every test expects it.
  afterAll(async () => {
    await dropEverything();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });

  it('moves every kept payload with whom it names and when it was received; a dropped one stays absent', async () => {
    expect(await rows('select * from webhook_payloads order by svix_id')).toEqual([
      { svix_id: 'msg_failed', payload: '{"data":{"role":1}}', user_id: 'user_b', org_id: 'org_c', received_at: 1100 },
      {
        svix_id: 'msg_kept',
        payload: '{"data":{"email":"kept@example.test"}}',
        user_id: 'user_a',
        org_id: null,
        received_at: 1000,
      },
      { svix_id: 'msg_nobody', payload: '{"type":"email.created"}', user_id: null, org_id: null, received_at: 1200 },
    ]);
  });

  it('keeps every record as it was, without payload, user_id or org_id', async () => {
    const columns = (await rows("select name from pragma_table_info('webhook_events')")).map((c) => c.name);
    expect(columns).not.toEqual(expect.arrayContaining(['payload']));
    expect(columns).not.toContain('user_id');
    expect(columns).not.toContain('org_id');
    expect(
      await rows(
        'select svix_id, status, attempts, received_at, next_attempt_at, body_hash from webhook_events order by 1',
      ),
    ).toEqual([
      {
        svix_id: 'msg_dropped',
        status: 'processed',
        attempts: 1,
        received_at: 900,
        next_attempt_at: null,
        body_hash: 'hash_msg_dropped',
      },
      {
        svix_id: 'msg_failed',
        status: 'failed',
        attempts: 1,
        received_at: 1100,
        next_attempt_at: 61_100,
        body_hash: 'hash_msg_failed',
      },
      {
        svix_id: 'msg_kept',
        status: 'processed',
        attempts: 1,
        received_at: 1000,
        next_attempt_at: null,
        body_hash: 'hash_msg_kept',
      },
      {
        svix_id: 'msg_nobody',
        status: 'ignored',
        attempts: 1,
        received_at: 1200,
        next_attempt_at: null,
        body_hash: 'hash_msg_nobody',
      },
    ]);
  });

  it('moves the erasure guard to the new table and keeps the body-hash guard on the records', async () => {
    const triggers = await rows("select name, tbl_name from sqlite_master where type = 'trigger' order by name");
    expect(triggers).toEqual(
      expect.arrayContaining([
        { name: 'webhook_payloads_erased_tenant', tbl_name: 'webhook_payloads' },
        { name: 'webhook_events_body_bound', tbl_name: 'webhook_events' },
      ]),
    );
    expect(triggers.map((t) => t.name)).not.toContain('webhook_events_erased_tenant');
    // The body-hash guard still refuses another body under a stored id.
    await expect(
      env.DB.prepare("update webhook_events set body_hash = 'other' where svix_id = 'msg_kept'").run(),
    ).rejects.toThrow(/fulcrum:svix_id_reused/);
  });
});
