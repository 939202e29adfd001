import { env } from 'cloudflare:workers';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema';

const tables = (Object.values(schema) as unknown[]).filter(
  (v): v is SQLiteTable => typeof v === 'object' && v !== null && Symbol.for('drizzle:IsDrizzleTable') in v,
);

// The migrations the tests applied must produce exactly the tables, columns and
// indexes that src/db/schema.ts declares; `npm run check` also runs drizzle-kit.
describe('schema drift', () => {
  it('has every table', () => {
    expect(tables.length).toBeGreaterThanOrEqual(6);
  });

  for (const table of tables) {
    const config = getTableConfig(table);
    it(`${config.name}: columns and indexes match the migrations`, async () => {
      const { results: cols } = await env.DB.prepare(`select name, "notnull" as nn, pk from pragma_table_info(?)`)
        .bind(config.name)
        .all<{ name: string; nn: number; pk: number }>();
      expect(cols.map((c) => c.name).sort()).toEqual(config.columns.map((c) => c.name).sort());
      for (const column of config.columns) {
        const actual = cols.find((c) => c.name === column.name);
        expect({ column: column.name, notNull: Boolean(actual?.nn || actual?.pk) }).toEqual({
          column: column.name,
          notNull: column.notNull || column.primary,
        });
      }
      const { results: idx } = await env.DB.prepare(`select name from pragma_index_list(?) where origin = 'c'`)
        .bind(config.name)
        .all<{ name: string }>();
      expect(idx.map((i) => i.name).sort()).toEqual(config.indexes.map((i) => i.config.name).sort());
    });
  }
});
