import { Context, type Hono } from 'hono';
import { getPath } from 'hono/utils/url';
import { openDatabase } from '../db/database';
import type { AppEnv, Bindings } from '../env';
import { addCorsHeaders } from '../http/cors';
import { handleError } from '../http/error-handlers';
import { addSecureHeaders, logAccess, setRequestIds } from '../http/middleware';
import { recordRequest } from '../metrics/record-metrics';
import type { Services } from '../services/services';
import { findRoute, forwardToOrigin, type GatewayDeps, rememberRoute } from './gateway-middleware';
import type { GatewayRoute } from './route-table';

/** A Worker's fetch handler (the Hono app's `fetch`, and the one this module returns). */
export type FetchHandler = Hono<AppEnv>['fetch'];
type Ctx = Parameters<FetchHandler>[2];

/**
 * The Worker's fetch handler with the gateway's fast path in front of the edge's app (DESIGN.md "Gateway"): a
 * request under a GATEWAY_ROUTES prefix is served in one pass by `serveGateway`, without the app's middleware
 * chain; everything else goes to `app` unchanged. Also left to `app` (whose gateway middleware runs the same
 * `forwardToOrigin`), because their CORS or error rules are the app's: OPTIONS (preflights are answered by the
 * CORS middleware), WebSocket handshakes, a path the gateway refuses as ambiguous, a broken route table.
 */
export function withGatewayFastPath(app: { fetch: FetchHandler }, services: Services, deps: GatewayDeps): FetchHandler {
  return function fetch(
    request: Request,
    bindings?: Parameters<FetchHandler>[1],
    ctx?: Ctx,
  ): Response | Promise<Response> {
    if (typeof bindings !== 'object' || bindings === null || request.method === 'OPTIONS')
      return app.fetch(request, bindings, ctx);
    const env = bindings as Bindings;
    const config = services.configs.get(env);
    const table = services.gateway.routes(config);
    if (table.routes.length === 0) return app.fetch(request, env, ctx);
    const found = findRoute(request, table);
    const { url, path, match } = found;
    if (!path.ok || match.kind !== 'route' || request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      rememberRoute(request, found);
      return app.fetch(request, env, ctx);
    }
    const served = { request, env, ctx, services, deps, route: match.route, url, canonicalPath: path.value.path };
    return serveGateway(served, () => app.fetch(request, env, ctx));
  };
}

type Served = {
  request: Request;
  env: Bindings;
  ctx: Ctx;
  services: Services;
  deps: GatewayDeps;
  route: GatewayRoute;
  url: URL;
  canonicalPath: string;
};

/**
 * One gateway request, in one pass and in this order: request ids; the route's policy, CORS/CSRF rules,
 * verification, limits, revocation check, tenant and assertion, the send and the response headers
 * (`forwardToOrigin`); on a refusal or failure the app's own error path (`handleError`: the envelope, its log
 * line) and the edge's security headers; the edge's CORS headers (on a `"cors": "origin"` route only on what the
 * edge answered itself); `x-request-id`; one access-log line; the metrics recorder's one call. What the app's
 * middlewares would set on the same response, with one `Response` built (the origin's is copied once, as its
 * headers are immutable) and no middleware chain.
 */
async function serveGateway(s: Served, viaApp: () => Response | Promise<Response>): Promise<Response> {
  const start = Date.now();
  const { request, route } = s;
  const path = getPath(request);
  // A Hono Context only as the carrier of per-request variables the shared steps read (auth, limits, tenant).
  const c = new Context<AppEnv>(request, { env: s.env, executionCtx: s.ctx, path });
  c.set('services', s.services);
  const requestId = setRequestIds(c);
  let config: AppEnv['Variables']['config'];
  try {
    config = s.services.configs.get(s.env);
    c.set('config', config);
    c.set('db', openDatabase(s.env.DB));
  } catch {
    // Nothing sent yet: what the fast path cannot set up (a binding missing) the app answers, with its error path.
    return viaApp();
  }
  let res: Response;
  let forwarded = false;
  try {
    res = await forwardToOrigin(c, route, s.url, s.canonicalPath, s.deps);
    forwarded = true;
  } catch (error) {
    c.error = error as Error;
    res = await handleError(error as Error, c);
    c.res = res;
    await addSecureHeaders(c);
  }
  if (!forwarded || route.cors === 'edge') addCorsHeaders(res.headers, request.headers.get('origin'), config);
  res.headers.set('x-request-id', requestId);
  if (forwarded) c.res = res;
  const ms = Date.now() - start;
  logAccess(c, path, res.status, ms);
  recordRequest(c, ms);
  // HEAD is answered without a body, as the app answers it (Hono: GET's response, body dropped): a refusal's
  // envelope, or an origin that sent one.
  return request.method === 'HEAD' ? new Response(null, res) : res;
}
