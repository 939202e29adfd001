import type { Context, MiddlewareHandler } from 'hono';
import { adminRoutes } from './admin/admin-routes';
import { jwksRoutes } from './auth/jwks-route';
import { keysCheck } from './auth/keys-readiness';
import { machineTokensCheck } from './auth/machine-readiness';
import { anyTokenAuth, sessionAuth } from './auth/session-middleware';
import { createBaseApp } from './base-app';
import { consoleRoutes } from './console/console-routes';
import type { AppEnv } from './env';
import { withGatewayFastPath } from './gateway/fast-path';
import { gatewayMiddleware, originOwnsCors } from './gateway/gateway-middleware';
import { edgeJwksRoutes, gatewayCheck } from './gateway/gateway-routes';
import { clerkCheck } from './health/clerk-check';
import { configCheck, d1Check, healthRoutes, kvCheck } from './health/health-routes';
import { corsMiddleware } from './http/cors';
import { privateNoStore } from './http/private-no-store';
import { testClockRoutes } from './http/test-clock-routes';
import { storageCheck } from './lifecycle/storage-readiness';
import { openapiRoutes } from './openapi/openapi-routes';
import { limitsCheck } from './rate-limit/limits-check';
import { revocationCheck } from './revocation/revocation-readiness';
import { createServices, type Services } from './services/services';
import { createLoadMachineTenant } from './tenants/machine-tenant';
import { meRoutes } from './tenants/me-route';
import { createLoadTenant } from './tenants/tenant-middleware';
import { tenantRoutes } from './tenants/tenant-routes';
import type { ReplayFn } from './webhooks/replay';
import { webhookRoutes } from './webhooks/webhook-route';

/** What the composition root wires; each part can be replaced (tests). */
export type AppOptions = {
  /** The isolate's services; default: new ones (a cold isolate). */
  services?: Services;
  /** Session middleware on `/v1/*`: sets `c.var.auth` (auth module). */
  authenticate?: MiddlewareHandler<AppEnv>;
  /** `GET /v1/me`'s middleware: every token type (auth module). */
  authenticateAnyType?: MiddlewareHandler<AppEnv>;
  /** Sets `c.var.machineTenant` for a machine caller (tenants module); default over the services' cache and clock. */
  loadMachineTenant?: MiddlewareHandler<AppEnv>;
  /**
   * Sets `c.var.tenant` for the caller (tenants module); default: `createLoadTenant` over the services' cache and
   * clock.
   */
  loadTenant?: MiddlewareHandler<AppEnv>;
  /** Re-applies a stored webhook event (webhooks module); default: `services.replay`. */
  replay?: ReplayFn;
  /**
   * The gateway's fast path in front of the app (default true). False serves gateway routes through the app's
   * middleware chain and its gateway middleware: the same responses (a differential test holds them equal), for
   * that test and the bench's comparison.
   */
  gatewayFastPath?: boolean;
};

/**
 * The composition root of the fetch handler: the base app (first middlewares, the one error path), then CORS,
 * the gateway and the routes.
 */
export function createApp(options: AppOptions = {}) {
  const services = options.services ?? createServices();
  const authenticate = options.authenticate ?? sessionAuth;
  const authenticateAnyType = options.authenticateAnyType ?? anyTokenAuth;
  const loadTenant = options.loadTenant ?? createLoadTenant({ cache: services.tenantCache, now: services.now });
  const loadMachineTenant =
    options.loadMachineTenant ?? createLoadMachineTenant({ cache: services.tenantCache, now: services.now });
  const replay = options.replay ?? services.replay;
  const app = createBaseApp(services);
  const gatewayDeps = { tenants: { cache: services.tenantCache, now: services.now }, now: services.now };

  // CORS right after the base app's middlewares (config parsed): preflights are answered before any
  // authentication. The gateway comes before the edge's routes: it forwards only paths under GATEWAY_ROUTES
  // prefixes (never edge-owned ones) and lets everything else through.
  app.use('*', corsMiddleware({ originOwnsCors }), gatewayMiddleware(gatewayDeps));

  const routed = app
    .route(
      '/health',
      healthRoutes([
        configCheck,
        clerkCheck,
        d1Check,
        kvCheck,
        keysCheck,
        machineTokensCheck,
        limitsCheck,
        gatewayCheck,
        revocationCheck,
        storageCheck,
      ]),
    )
    .route('/', openapiRoutes())
    .route('/console', consoleRoutes())
    .route('/.well-known/fulcrum', edgeJwksRoutes)
    .route('/.well-known', jwksRoutes)
    .route('/api/webhooks', webhookRoutes())
    .route('/__test', testClockRoutes(services.testClock))
    // Registered before /v1/me on purpose: which /v1 route takes which tokens is a rule (v1Authentication),
    // not an effect of registration order.
    .use('/v1/*', privateNoStore, v1Authentication(authenticate))
    .route('/v1', meRoutes({ authenticate: authenticateAnyType, loadTenant, loadMachineTenant }))
    .route('/v1/admin', adminRoutes({ replay }))
    .route('/v1', tenantRoutes({ loadTenant }));
  // The gateway's fast path in front (src/gateway/fast-path.ts): a request under a gateway prefix is served in one
  // pass, without the chain above; the app's own `request()` goes through it too (it calls `fetch`).
  if (options.gatewayFastPath !== false)
    routed.fetch = withGatewayFastPath({ fetch: routed.fetch }, services, gatewayDeps);
  return routed;
}

/** `GET /v1/me` (and its HEAD) accepts every token type: `meRoutes` mounts `authenticateAnyType` itself. */
function takesAnyToken(c: Context<AppEnv>): boolean {
  return c.req.path === '/v1/me' && (c.req.method === 'GET' || c.req.method === 'HEAD');
}

/**
 * Authentication of `/v1/*`: the session middleware (`authenticate`, session tokens only) for every request but
 * `GET /v1/me`, which authenticates every token type on its own route. The exclusion is explicit, so it holds
 * wherever this is registered relative to `/v1/me` (a test registers it first and last).
 */
export function v1Authentication(authenticate: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async function v1Authentication(c, next) {
    if (takesAnyToken(c)) return next();
    return authenticate(c, next);
  };
}

export type AppType = ReturnType<typeof createApp>;
