// The one migrations applier for Node-side D1 bindings (wrangler's platform proxy, Miniflare's
// `getD1Database`): the drill and the benchmarks. It does what `wrangler d1 migrations apply` and the
// Vitest plugin's `applyD1Migrations` (test/setup.ts, inside workerd) do: each not-yet-applied file of
// migrations/ in one atomic batch, recorded in `d1_migrations`, so wrangler later sees them as applied.
import { fileURLToPath } from 'node:url';
import { type D1Migration, readD1Migrations } from '@cloudflare/vitest-plugin';

/** The part of a D1 binding the applier (and the tools' reads) use. */
export type D1Like = {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown>;
};
export type D1StatementLike = {
  bind(...values: unknown[]): D1StatementLike;
  run(): Promise<unknown>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
};

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** migrations/*.sql, split into statements as wrangler splits them. */
export function readMigrations(): Promise<D1Migration[]> {
  return readD1Migrations(MIGRATIONS_DIR);
}

/** Applies every migration not yet recorded in `d1_migrations` (idempotent). */
export async function applyMigrations(db: D1Like, migrations?: D1Migration[]): Promise<void> {
  await db
    .prepare(
      'CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, ' +
        'applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)',
    )
    .run();
  const applied = new Set(
    (await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>()).results.map((r) => r.name),
  );
  for (const migration of migrations ?? (await readMigrations())) {
    if (applied.has(migration.name)) continue;
    const statements = migration.queries.map((q) => db.prepare(q));
    statements.push(db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(migration.name));
    await db.batch(statements);
  }
}
