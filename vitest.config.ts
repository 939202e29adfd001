import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { nonInheritedFields, readWranglerConfig } from './scripts/lib/wrangler-config.ts';

/** Secrets and config for tests: never real keys. The auth tests add a generated key pair. */
export const TEST_VARS = {
  CLERK_SECRET_KEY: 'sk_test_vitest_secret_key_value',
  CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_dGVzdC1zaWduaW5nLXNlY3JldC1mb3Itdml0ZXN0',
  CLERK_API_URL: 'https://api.clerk.test',
  CLERK_AUTHORIZED_PARTIES: 'https://app.fulcrum.test',
  ADMIN_USER_IDS: 'user_admin',
};

/**
 * A fresh RS256 key pair per run: tokens are really signed (test/helpers/tokens.ts) and the
 * Worker verifies them networklessly with CLERK_JWT_KEY, as in `npm run dev`. Auth tests that
 * exercise the JWKS/KV path override CLERK_JWT_KEY per request.
 */
function testKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    CLERK_JWT_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    TEST_SIGNING_JWK: JSON.stringify(privateKey.export({ format: 'jwk' })),
    TEST_PUBLIC_JWK: JSON.stringify(publicKey.export({ format: 'jwk' })),
  };
}

/**
 * `npm run dev` writes `.dev.vars`, which the plugin loads as `wrangler dev` does: its local gateway routes, origin
 * and keys would reach every test (and a readiness test then found the gateway misconfigured). Each variable it
 * sets goes back to what wrangler.toml's top level says, or is blanked (an empty value is unset); the tests' own
 * values (TEST_VARS, the key pair) are laid over these.
 */
function undoDevVars(): Record<string, string> {
  if (!existsSync('.dev.vars')) return {};
  const vars = ((readWranglerConfig() as { vars?: Record<string, unknown> }).vars ?? {}) as Record<string, unknown>;
  const names = readFileSync('.dev.vars', 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  return Object.fromEntries(
    names.map((name) => {
      const value = vars[name];
      return [name, value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)];
    }),
  );
}

/** The gateway tests' ORIGIN_URL host (test/gateway/gateway-forwarding.test.ts), answered in Node. */
const URL_ORIGIN_HOST = 'origin.gateway.test';

async function urlOrigin(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname.endsWith('/redirect'))
    return new Response(null, { status: 302, headers: { location: `https://${URL_ORIGIN_HOST}/target` } });
  if (url.pathname.endsWith('/cookies')) {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/');
    return new Response('ok', { headers });
  }
  const body = new Uint8Array(await request.arrayBuffer());
  return Response.json({
    method: request.method,
    path: url.pathname,
    bytes: body.length,
    headers: Object.fromEntries(request.headers),
  });
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations('./migrations');
  const keys = testKeyPair();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ...undoDevVars(),
            ...TEST_VARS,
            ...keys,
            TEST_MIGRATIONS: migrations,
            // wrangler.toml as wrangler reads it: the environment tests check every block's vars and bindings.
            TEST_WRANGLER_CONFIG: JSON.parse(JSON.stringify(readWranglerConfig())),
            TEST_NON_INHERITED_FIELDS: nonInheritedFields(),
          },
          // The global budgets (one key for every client) would count the whole suite's traffic, which spreads over
          // random client addresses on purpose: raised here so no test depends on the speed of the machine.
          // test/rate-limit/global-budgets.test.ts tests them with stand-in bindings of small limits.
          ratelimits: {
            MACHINE_VERIFY_GLOBAL_LIMITER: { namespace_id: '1304', simple: { limit: 1_000_000, period: 10 } },
            AUTH_FAILURE_GLOBAL_LIMITER: { namespace_id: '1305', simple: { limit: 1_000_000, period: 60 } },
          },
          // Unhandled-request guard: nothing may leave the sandbox. Tests mock Clerk's API. The one host
          // answered here is the gateway tests' ORIGIN_URL origin (urlOrigin above), so that
          // the real fetch path (redirect: manual, Set-Cookie over a hop) is exercised.
          outboundService: (request: Request) =>
            new URL(request.url).host === URL_ORIGIN_HOST
              ? urlOrigin(request)
              : new Response(`unmocked outbound request to ${new URL(request.url).host}`, { status: 599 }),
        },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      setupFiles: ['./test/setup.ts'],
      // One workerd for all files in turn instead of a new one per file (its start and loading the Worker's
      // module graph were most of the run). Each file still starts fresh: test/setup.ts resets module state and
      // storage, test/isolation/ proves it.
      isolate: false,
      silent: 'passed-only' as const,
      // Not a speed check (those are benchmarks): the property tests' hundreds of runs must not time out on a
      // loaded 2-core machine, where the 5 s default failed them (differential, bookmarks-http at load 10).
      testTimeout: 30_000,
    },
  };
});
