import type { Context } from 'hono';
import type { AppEnv } from '../env';
import type { ReadinessCheck } from '../health/health-routes';
import { factory } from '../http/factory';
import { etagOf, matchesIfNoneMatch } from '../lib/http-cache';
import { assertionIssuer } from './assertion';
import { originOf } from './gateway-middleware';
import type { OriginProbe } from './origin-health';

/**
 * `GET /.well-known/fulcrum/jwks.json`: the public halves of EDGE_SIGNING_KEY and, during a rotation,
 * EDGE_SIGNING_KEY_PREVIOUS. Cacheable for 5 minutes: publish a new key as PREVIOUS-to-be early
 * enough (docs/deploying.md, "The gateway's signing key") and origins refetch on an unknown `kid` anyway.
 */
export const edgeJwksRoutes = factory.createApp().get('/jwks.json', async (c) => {
  const keys = await c.var.services.gateway.usableKeys(c.var.config);
  const body = JSON.stringify(keys.jwks);
  const etag = await etagOf(body);
  const headers = {
    etag,
    'cache-control': 'public, max-age=300, stale-while-revalidate=60',
    'content-type': 'application/json',
  };
  if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
});

/**
 * Readiness of the gateway: `ok` with no routes configured; else every unusable GATEWAY_ROUTES entry
 * (by index and prefix), the origin and the signing keys. Any problem fails readiness. With ORIGIN_HEALTH_PATH,
 * `origin` is the origin's last probe (at most one per 30 s per isolate): an origin that fails it makes the gateway
 * `degraded`, not failed — the edge's own routes still serve, and every edge would fail together otherwise.
 */
export const gatewayCheck: ReadinessCheck = {
  name: 'gateway',
  run: async (c: Context<AppEnv>) => {
    const table = c.var.services.gateway.routes(c.var.config);
    if (table.routes.length === 0 && table.problems.length === 0) return { status: 'ok', routes: 0 };
    const config = c.get('config');
    const missing: string[] = [];
    if (!c.env.ORIGIN && !config.ORIGIN_URL) missing.push('ORIGIN_URL');
    if (c.env.ORIGIN && !config.EDGE_AUDIENCE) missing.push('EDGE_AUDIENCE');
    if (assertionIssuer(config, () => '') === null) missing.push('EDGE_ISSUER');
    const keys = await c.var.services.gateway.keys(c.var.config);
    const keyProblems = Array.isArray(keys) ? keys : [];
    const ok = table.problems.length === 0 && missing.length === 0 && keyProblems.length === 0;
    const path = config.ORIGIN_HEALTH_PATH;
    const probe = missing.length === 0 && path ? await probeOrigin(c, path) : undefined;
    return {
      status: !ok ? 'fail' : probe?.status === 'fail' ? 'degraded' : 'ok',
      routes: table.routes.map((r) => r.prefix),
      // How the origin is reached, and with ORIGIN_HEALTH_PATH its last probe: { status, httpStatus, latencyMs, checkedAt }.
      origin: { via: c.env.ORIGIN ? 'binding' : config.ORIGIN_URL ? 'url' : null, ...probe },
      ...(Array.isArray(keys) ? {} : { kids: keys.jwks.keys.map((k) => k.kid), alg: keys.current.alg }),
      ...(table.problems.length > 0 ? { invalidRoutes: table.problems } : {}),
      ...(missing.length > 0 ? { missing } : {}),
      ...(keyProblems.length > 0 ? { keyProblems } : {}),
    };
  },
};

function probeOrigin(c: Context<AppEnv>, path: string): Promise<OriginProbe> {
  const { send, base } = originOf(c);
  return c.var.services.gateway.originHealth.check(send, `${base}${path}`);
}
