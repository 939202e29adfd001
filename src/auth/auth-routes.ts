import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { secretKeyRefusedAdvice } from '../health/clerk-check';
import type { ReadinessCheck } from '../health/health-routes';
import { factory } from '../lib/factory';
import { etagOf, matchesIfNoneMatch } from '../lib/http-cache';
import { toTenantJson } from '../tenants/tenant-json';
import { assertKeyConfig, rethrowKeyError } from './authenticate';
import { KeysUnavailableError } from './key-cache';
import { verifierFor } from './verifier';

/**
 * `GET /v1/me`: who the credential says the caller is. Every token type is accepted (`authenticate`
 * is mounted with all of them); a session's tenant is loaded (created just in time) by `loadTenant`,
 * a machine token's by `loadMachineTenant` (null for M2M).
 */
export function meRoutes(deps: {
  authenticate: MiddlewareHandler<AppEnv>;
  loadTenant: MiddlewareHandler<AppEnv>;
  loadMachineTenant: MiddlewareHandler<AppEnv>;
}) {
  return factory.createApp().get(
    '/me',
    deps.authenticate,
    (c, next) => (c.var.auth.tokenType === 'session_token' ? deps.loadTenant(c, next) : deps.loadMachineTenant(c, next)),
    (c) => {
      const { userId, sessionId, orgId, orgRole, tokenType, subject, scopes } = c.get('auth');
      const tenant = tokenType === 'session_token' ? c.get('tenant') : c.get('machineTenant');
      return c.json({ userId, sessionId, orgId, orgRole, tenant: tenant ? toTenantJson(tenant) : null, tokenType, subject, scopes });
    },
  );
}

/** `GET /.well-known/jwks.json`: the public keys this edge verifies with, from its cache. */
export const jwksRoutes = factory.createApp().get('/jwks.json', async (c) => {
  assertKeyConfig(c);
  const { keys } = await verifierFor(c.get('config')).keys(c.env.JWKS_CACHE).catch(rethrowKeyError);
  const body = JSON.stringify({ keys: keys.map(({ kid, kty, n, e, alg, use }) => ({ kid, kty, n, e, alg, use })) });
  const etag = await etagOf(body);
  const headers = { etag, 'cache-control': 'public, max-age=300, stale-while-revalidate=60', 'content-type': 'application/json' };
  if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
});

/** Readiness of the key set: where it came from, its age, the last refresh error, stale serving. */
export const keysCheck: ReadinessCheck = {
  name: 'keys',
  run: async (c: Context<AppEnv>) => {
    try {
      assertKeyConfig(c);
    } catch {
      return { status: 'fail', error: 'misconfigured' };
    }
    const config = c.get('config');
    const verifier = verifierFor(config);
    const cache = verifier.keyCache;
    const advice = (kind: string | undefined) => (kind === 'secret_key_invalid' ? secretKeyRefusedAdvice(config) : {});
    try {
      const { keys, source, fetchedAt } = await verifier.keys(c.env.JWKS_CACHE);
      const servingStale = cache?.servingStale ?? false;
      return {
        // Degraded, not failed: cached keys still verify while Clerk is failing or the secret key is wrong.
        status: servingStale || cache?.lastError ? 'degraded' : 'ok',
        source,
        keyCount: keys.length,
        ageSeconds: fetchedAt === null ? null : Math.max(0, Math.round((Date.now() - fetchedAt) / 1000)),
        lastRefreshError: cache?.lastError?.kind ?? null,
        servingStale,
        ...advice(cache?.lastError?.kind),
      };
    } catch (error) {
      if (!(error instanceof KeysUnavailableError)) throw error;
      const kind = cache?.lastError?.kind ?? error.kind;
      return { status: 'fail', source: null, lastRefreshError: kind, servingStale: false, ...advice(kind) };
    }
  },
};
