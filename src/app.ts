import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { adminRoutes } from './admin/admin-routes';
import { jwksRoutes } from './auth/jwks-route';
import { keysCheck } from './auth/keys-readiness';
import { machineTokensCheck } from './auth/machine-readiness';
import { anyTokenAuth, sessionAuth } from './auth/session-middleware';
import type { AppEnv } from './env';
import { AppError, errorResponse } from './errors';
import { gatewayMiddleware, originOwnsCors } from './gateway/gateway-middleware';
import { edgeJwksRoutes, gatewayCheck } from './gateway/gateway-routes';
import { clerkCheck } from './health/clerk-check';
import { configCheck, d1Check, healthRoutes, kvCheck } from './health/health-routes';
import { corsMiddleware } from './http/cors';
import { allowedMethods } from './http/method-not-allowed';
import { accessLog, context, edgeSecureHeaders, requestId } from './http/middleware';
import { privateNoStore } from './http/private-no-store';
import { testClockRoutes } from './http/test-clock-routes';
import { log } from './lib/log';
import { recordMetrics } from './metrics/record-metrics';
import { OPENAPI_JSON } from './openapi/openapi.generated';
import { openapiRoutes } from './openapi/openapi-routes';
import { limitsCheck } from './rate-limit/limits-check';
import { revocationCheck } from './revocation/revocation-readiness';
import { createServices, type Services, withServices } from './services/services';
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
};

/** The composition root of the fetch handler: middleware order, routes, and the one error path. */
export function createApp(options: AppOptions = {}) {
  const services = options.services ?? createServices();
  const authenticate = options.authenticate ?? sessionAuth;
  const authenticateAnyType = options.authenticateAnyType ?? anyTokenAuth;
  const loadTenant = options.loadTenant ?? createLoadTenant({ cache: services.tenantCache, now: services.now });
  const loadMachineTenant =
    options.loadMachineTenant ?? createLoadMachineTenant({ cache: services.tenantCache, now: services.now });
  const replay = options.replay ?? services.replay;
  const app = new Hono<AppEnv>();

  app.use('*', withServices(services));
  // CORS right after the config is parsed: preflights are answered before any authentication.
  // The gateway comes before the edge's routes: it forwards only paths under GATEWAY_ROUTES prefixes
  // (never edge-owned ones) and lets everything else through.
  // Metrics first: it records after everything else (onError included) has built the response.
  app.use(
    '*',
    recordMetrics,
    requestId,
    accessLog,
    edgeSecureHeaders,
    context,
    corsMiddleware({ originOwnsCors }),
    gatewayMiddleware({ loadTenant, now: services.now }),
  );

  const routes = app
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
      ]),
    )
    .route('/', openapiRoutes(OPENAPI_JSON))
    .route('/.well-known/fulcrum', edgeJwksRoutes)
    .route('/.well-known', jwksRoutes)
    .route('/api/webhooks', webhookRoutes())
    .route('/__test', testClockRoutes(services.testClock))
    .use('/v1/*', privateNoStore)
    // Before the session-only middleware: /v1/me authenticates every token type itself and answers
    // without calling next(), so the session middleware registered below never runs for it.
    .route('/v1', meRoutes({ authenticate: authenticateAnyType, loadTenant, loadMachineTenant }))
    .use('/v1/*', authenticate)
    .route('/v1/admin', adminRoutes({ replay }))
    .route('/v1', tenantRoutes({ loadTenant }));

  const allowed = allowedMethods(app);
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length === 0) return errorResponse(c, new AppError('not_found'));
    if (methods.includes('GET')) methods.push('HEAD');
    return errorResponse(c, new AppError('method_not_allowed', { headers: { allow: methods.join(', ') } }));
  });
  app.onError((err, c) => {
    if (err instanceof AppError) {
      if (err.detail)
        log(err.code === 'internal' ? 'error' : 'warn', `error.${err.code}`, {
          requestId: c.get('requestId'),
          ...err.detail,
        });
      return errorResponse(c, err);
    }
    // Hono's own HTTP errors (e.g. a malformed body it parsed) carry a status but no envelope.
    if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
      const status = err.status;
      log('warn', 'error.http', { requestId: c.get('requestId'), status, error: err });
      return errorResponse(
        c,
        new AppError(status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : 'invalid_request'),
      );
    }
    log('error', 'error.unhandled', {
      requestId: c.get('requestId'),
      error: err,
      stack: err instanceof Error ? err.stack : undefined,
    });
    return errorResponse(c, new AppError('internal'));
  });

  return routes;
}

export type AppType = ReturnType<typeof createApp>;
