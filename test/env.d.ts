import type { D1Migration } from '@cloudflare/vitest-plugin';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Private half of the run's test key pair (JWK JSON): signs test session tokens. */
      TEST_SIGNING_JWK: string;
      /** Public half (JWK JSON), for JWKS mocks. */
      TEST_PUBLIC_JWK: string;
    }
  }
}
