import { applyD1Migrations, reset } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';

// Runs before every test file. One workerd runs the files in turn (vitest.config.ts: `isolate: false`), so each
// file is given what a fresh runtime gave it: fresh module instances (no singleton state from the previous
// file), empty storage, then the real migrations. reset() alone is not enough: right after a write-heavy file
// it left rows behind (seen after test/webhooks/order-property.test.ts), so D1 and KV are also wiped
// explicitly. test/isolation/ proves it.
vi.resetModules();
await reset();
const { results } = await env.DB.prepare(
  "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
).all<{ name: string }>();
if (results.length > 0) await env.DB.batch(results.map(({ name }) => env.DB.prepare(`DROP TABLE "${name}"`)));
for (let cursor: string | undefined, done = false; !done; ) {
  const page: KVNamespaceListResult<unknown> = await env.JWKS_CACHE.list(cursor ? { cursor } : {});
  await Promise.all(page.keys.map((key) => env.JWKS_CACHE.delete(key.name)));
  done = page.list_complete;
  cursor = page.list_complete ? undefined : page.cursor;
}
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
