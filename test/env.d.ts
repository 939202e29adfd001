import type { D1Migration } from '@cloudflare/vitest-plugin';
import type { RawConfig } from '../scripts/lib/environments';

/**
 * The test-only bindings (vitest.config.ts `miniflare.bindings`) on top of worker-configuration.d.ts's Cloudflare.Env:
 * `import { env } from 'cloudflare:workers'` is typed by Cloudflare.Env, so tests see both.
 */
declare global {
  namespace Cloudflare {
    interface Env {
      /** Variables vitest.config.ts sets (TEST_VARS) that wrangler.toml leaves at their defaults. */
      CLERK_API_URL: string;
      CLERK_AUTHORIZED_PARTIES: string;
      ADMIN_USER_IDS: string;
      TEST_MIGRATIONS: D1Migration[];
      /** Private half of the run's test key pair (JWK JSON): signs test session tokens. */
      TEST_SIGNING_JWK: string;
      /** Public half (JWK JSON), for JWKS mocks. */
      TEST_PUBLIC_JWK: string;
      /** wrangler.toml as wrangler's `experimental_readRawConfig` reads it (vitest.config.ts). */
      TEST_WRANGLER_CONFIG: RawConfig;
      /** The fields wrangler does not inherit into named environments (its config schema). */
      TEST_NON_INHERITED_FIELDS: string[];
    }
  }
}
