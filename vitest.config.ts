import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/** Secrets and config for tests: never real keys. The auth tests add a generated key pair. */
export const TEST_VARS = {
  CLERK_SECRET_KEY: 'sk_test_vitest_secret_key_value',
  CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_dGVzdC1zaWduaW5nLXNlY3JldC1mb3Itdml0ZXN0',
  CLERK_API_URL: 'https://api.clerk.test',
  CLERK_AUTHORIZED_PARTIES: 'https://app.fulcrum.test',
  ADMIN_USER_IDS: 'user_admin',
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: { ...TEST_VARS, TEST_MIGRATIONS: migrations },
          // Unhandled-request guard: nothing may leave the sandbox. Tests mock Clerk's API.
          outboundService: (request: Request) => new Response(`unmocked outbound request to ${new URL(request.url).host}`, { status: 599 }),
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      setupFiles: ['./test/setup.ts'],
      silent: 'passed-only' as const,
    },
  };
});
