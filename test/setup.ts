import { applyD1Migrations, env } from 'cloudflare:test';

// Real migrations, applied to Miniflare's D1 before the tests (idempotent per run).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
