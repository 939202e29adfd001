import { defineConfig } from 'vitest/config';

/**
 * Browser tests: Node + headless Chromium against a real `wrangler dev` (not workerd
 * inside Vitest), so they get their own project. `npm run test:e2e`.
 */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
