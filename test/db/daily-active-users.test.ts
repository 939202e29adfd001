import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteOldDailyActive } from '../../src/lifecycle/lifecycle-store';
import { testDb } from '../helpers/api-app';

const insert = (day: string, user: string) =>
  env.DB.prepare('insert or ignore into daily_active_users (day, user_id) values (?, ?)').bind(day, user).run();
const rows = async () =>
  (
    await env.DB.prepare('select day, user_id as user from daily_active_users order by day, user_id').all<{
      day: string;
      user: string;
    }>()
  ).results;

describe('daily_active_users (migration 0010: WITHOUT ROWID)', () => {
  beforeEach(async () => {
    await env.DB.batch(
      ['daily_active_users', 'daily_active_counts', 'user_last_active', 'job_state'].map((t) =>
        env.DB.prepare(`delete from ${t}`),
      ),
    );
  });

  it('is a WITHOUT ROWID table with no index but its primary key', async () => {
    const table = await env.DB.prepare("select sql from sqlite_schema where type = 'table' and name = ?")
      .bind('daily_active_users')
      .first<{ sql: string }>();
    expect(table?.sql).toMatch(/WITHOUT ROWID\s*$/i);
    const { results } = await env.DB.prepare(
      "select name from sqlite_schema where type = 'index' and tbl_name = 'daily_active_users'",
    ).all<{ name: string }>();
    // The primary key is the table itself: no autoindex, no (user_id, day) index.
    expect(results).toEqual([]);
  });

  it('keeps the rollup trigger of migration 0007: a new (day, user) counts once, a repeat not at all', async () => {
    await insert('2031-01-01', 'user_a');
    await insert('2031-01-01', 'user_a');
    await insert('2031-01-02', 'user_a');
    await insert('2031-01-02', 'user_b');
    expect(await rows()).toHaveLength(3);
    const counts = await env.DB.prepare('select day, users from daily_active_counts order by day').all();
    expect(counts.results).toEqual([
      { day: '2031-01-01', users: 1 },
      { day: '2031-01-02', users: 2 },
    ]);
    const last = await env.DB.prepare(
      "select last_day, first_day from user_last_active where user_id = 'user_a'",
    ).first();
    expect(last).toEqual({ last_day: '2031-01-02', first_day: '2031-01-01' });
  });

  it('retention deletes the oldest rows first, at most `limit`, never on or after `beforeDay`', async () => {
    for (const [day, user] of [
      ['2031-01-03', 'user_c'],
      ['2031-01-01', 'user_b'],
      ['2031-01-01', 'user_a'],
      ['2031-01-02', 'user_a'],
      ['2031-01-04', 'user_a'],
    ] as const)
      await insert(day, user);
    expect(await deleteOldDailyActive(testDb(), { beforeDay: '2031-01-03', limit: 2, now: 0 })).toBe(2);
    expect(await rows()).toEqual([
      { day: '2031-01-02', user: 'user_a' },
      { day: '2031-01-03', user: 'user_c' },
      { day: '2031-01-04', user: 'user_a' },
    ]);
    expect(await deleteOldDailyActive(testDb(), { beforeDay: '2031-01-03', limit: 2, now: 0 })).toBe(1);
    expect(await deleteOldDailyActive(testDb(), { beforeDay: '2031-01-03', limit: 2, now: 0 })).toBe(0);
    expect(await rows()).toHaveLength(2);
    // The per-day counts and each user's first and last day stay (MRU).
    expect((await env.DB.prepare('select count(*) as n from daily_active_counts').first())?.n).toBe(4);
  });
  it('never writes a row for a day retention has pruned: the rollup would count it twice (migration 0011)', async () => {
    await insert('2031-03-01', 'user_a');
    await insert('2031-03-02', 'user_a');
    expect(await deleteOldDailyActive(testDb(), { beforeDay: '2031-03-02', limit: 10, now: 1 })).toBe(1);
    // A resent session.created of the pruned day: ignored, its day still counted once.
    await insert('2031-03-01', 'user_a');
    await insert('2031-03-01', 'user_b');
    expect(await rows()).toEqual([{ day: '2031-03-02', user: 'user_a' }]);
    const counts = await env.DB.prepare('select day, users from daily_active_counts order by day').all();
    expect(counts.results).toEqual([
      { day: '2031-03-01', users: 1 },
      { day: '2031-03-02', users: 1 },
    ]);
    // The horizon only moves forward: an older prune does not reopen pruned days.
    await deleteOldDailyActive(testDb(), { beforeDay: '2031-02-01', limit: 10, now: 2 });
    await insert('2031-03-01', 'user_c');
    expect(await rows()).toHaveLength(1);
    // The horizon day itself and later days are written as before.
    await insert('2031-03-02', 'user_b');
    await insert('2031-03-03', 'user_b');
    expect(await rows()).toHaveLength(3);
  });
});

describe('migration 0010 on a database at 0009', () => {
  const TABLES =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'";
  async function dropEverything() {
    const { results } = await env.DB.prepare(TABLES).all<{ name: string }>();
    if (results.length > 0) await env.DB.batch(results.map(({ name }) => env.DB.prepare(`DROP TABLE "${name}"`)));
  }
  const rollups = async () => ({
    counts: (await env.DB.prepare('select day, users from daily_active_counts order by day').all()).results,
    users: (await env.DB.prepare('select * from user_last_active order by user_id').all()).results,
  });
  let before: Awaited<ReturnType<typeof rollups>>;

  beforeAll(async () => {
    await dropEverything();
    await applyD1Migrations(
      env.DB,
      env.TEST_MIGRATIONS.filter((m) => m.name < '0010'),
    );
    for (const [day, user] of [
      ['2031-02-01', 'user_a'],
      ['2031-02-01', 'user_b'],
      ['2031-02-02', 'user_a'],
    ] as const)
      await insert(day, user);
    before = await rollups();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });
  // Later files start from fresh storage anyway (test/setup.ts); this leaves the database as every test expects it.
  afterAll(async () => {
    await dropEverything();
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  });

  it('keeps every row and leaves the rollups as they were (the copy does not count twice)', async () => {
    expect(await rows()).toEqual([
      { day: '2031-02-01', user: 'user_a' },
      { day: '2031-02-01', user: 'user_b' },
      { day: '2031-02-02', user: 'user_a' },
    ]);
    expect(await rollups()).toEqual(before);
  });

  it('counts the next new row through the recreated trigger', async () => {
    await insert('2031-02-03', 'user_b');
    await insert('2031-02-01', 'user_a');
    const after = await rollups();
    expect(after.counts).toEqual([...before.counts, { day: '2031-02-03', users: 1 }]);
    expect(after.users).toContainEqual({ user_id: 'user_b', last_day: '2031-02-03', first_day: '2031-02-01' });
  });
});
