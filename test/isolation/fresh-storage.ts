import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';

/** Module state: shared by every file that imports this module, unless each file gets fresh module instances. */
const filesSeen = new Set<string>();

/** Tables the migrations create (SQLite's and D1's own bookkeeping excluded). */
async function appTables(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' " +
      "AND name != 'd1_migrations' ORDER BY name",
  ).all<{ name: string }>();
  return results.map((r) => r.name);
}

/**
 * Every test file starts from empty storage with the migrations applied, even though one workerd runs many
 * files in turn (vitest.config.ts: `isolate: false`; test/setup.ts resets storage). Two files call this: each
 * leaves rows and a KV key behind, so whichever runs second would see the other's if storage leaked; and each
 * records itself in this module's state, which the other must not see either (test/setup.ts: vi.resetModules).
 */
export function provesFreshStorage(file: string) {
  it('gets fresh module instances (no module state from another file)', () => {
    filesSeen.add(file);
    expect([...filesSeen]).toEqual([file]);
  });

  it('starts with every table empty, no KV key, and all migrations applied', async () => {
    const tables = await appTables();
    expect(tables.length).toBeGreaterThanOrEqual(8);
    for (const table of tables) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${table}"`).first<{ n: number }>();
      expect({ table, rows: row?.n }).toEqual({ table, rows: 0 });
    }
    expect((await env.JWKS_CACHE.list()).keys).toEqual([]);
    const applied = await env.DB.prepare('SELECT name FROM d1_migrations ORDER BY id').all<{ name: string }>();
    expect(applied.results.map((r) => r.name)).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));
  });

  it('leaves a row and a KV key behind (the next file must not see them)', async () => {
    await env.DB.prepare("INSERT INTO job_state (name, value, updated_at) VALUES (?, 'left behind', 0)")
      .bind(`isolation:${file}`)
      .run();
    await env.JWKS_CACHE.put(`isolation:${file}`, 'left behind');
    expect(await env.JWKS_CACHE.get(`isolation:${file}`)).toBe('left behind');
  });
}
