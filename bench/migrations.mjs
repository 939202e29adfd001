// The real migrations as statements, applied to a bench's D1 as `wrangler d1 migrations apply` would.
import { readdirSync, readFileSync } from 'node:fs';

const DIR = new URL('../migrations/', import.meta.url);

/** Every statement of migrations/*.sql, in order (drizzle-kit's `--> statement-breakpoint` separates them). */
export function migrationStatements() {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((file) => readFileSync(new URL(file, DIR), 'utf8').split('--> statement-breakpoint'))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Applies the migrations to a D1 binding (Miniflare's `getD1Database`, or wrangler's platform proxy). */
export async function applyMigrations(d1) {
  for (const statement of migrationStatements()) await d1.prepare(statement).run();
}
