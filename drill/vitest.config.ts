import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The drill: the runbook's failure modes against the real service (`wrangler dev` on 127.0.0.1, a fake
 * Clerk), in Node. One file per runbook row in drill/rows/, run one after another (each starts its own
 * service). `npm run drill [-- --quick] [row …]` (drill/run.ts).
 */
export default defineConfig({
  test: {
    name: 'drill',
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['drill/rows/*.drill.ts'],
    environment: 'node',
    fileParallelism: false,
    // Bounded: a check that has not finished after 5 minutes fails (and the row's service is stopped).
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default', './drill/support/runbook-reporter.ts'],
    silent: 'passed-only',
    env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  },
});
