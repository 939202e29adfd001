import { Hono, type MiddlewareHandler } from 'hono';
import { adminRoutes } from './admin/admin-routes';
import { jwksRoutes, keysCheck, meRoutes } from './auth/auth-routes';
import { machineTokensCheck } from './auth/machine-readiness';
import { anyTokenAuth, sessionAuth } from './auth/session-middleware';
import type { AppEnv } from './env';
import { AppError, errorResponse } from './errors';
import { forwardsPreflight, gatewayMiddleware } from './gateway/gateway-middleware';
import { edgeJwksRoutes, gatewayCheck } from './gateway/gateway-routes';
import { clerkCheck } from './health/clerk-check';
import { configCheck, d1Check, healthRoutes, kvCheck } from './health/health-routes';
import { corsMiddleware } from './lib/cors';
import { privateNoStore } from './lib/http-cache';
import { log } from './lib/log';
import { allowedMethods } from './lib/method-not-allowed';
import { accessLog, context, edgeSecureHeaders, requestId } from './lib/middleware';
import { limitsCheck } from './lib/rate-limit';
import { OPENAPI_JSON } from './openapi/openapi.generated';
import { openapiRoutes } from './openapi/openapi-routes';
import { loadMachineTenant } from './tenants/machine-tenant';
import { loadTenant } from './tenants/tenant-middleware';
import { tenantRoutes } from './tenants/tenant-routes';
import type { ReplayFn } from './webhooks/replay';
import { replayStoredEvent } from './webhooks/replay';
import { webhookRoutes } from './webhooks/webhook-route';

/** What the feature modules provide to the composition root (injectable for tests). */
export type AppDeps = {
  /** Session middleware on `/v1/*`: sets `c.var.auth` (auth module). */
  authenticate: MiddlewareHandler<AppEnv>;
  /** `GET /v1/me`'s middleware: every token type (auth module). */
  authenticateAnyType: MiddlewareHandler<AppEnv>;
  /** Sets `c.var.machineTenant` for a machine caller (tenants module). */
  loadMachineTenant: MiddlewareHandler<AppEnv>;
  /** Sets `c.var.tenant` for the caller (webhooks module's loader). */
  loadTenant: MiddlewareHandler<AppEnv>;
  /** Re-applies a stored webhook event (webhooks module). */
  replay: ReplayFn;
  /** The clock (ms). */
  now: () => number;
};

const defaultDeps: AppDeps = {
  authenticate: sessionAuth,
  authenticateAnyType: anyTokenAuth,
  loadTenant,
  loadMachineTenant,
  replay: replayStoredEvent,
  now: Date.now,
};

/** The only composition root: middleware order, routes, and the one error path. */
export function createApp(overrides: Partial<AppDeps> = {}) {
  const deps = { ...defaultDeps, ...overrides };
  const app = new Hono<AppEnv>();

  // CORS right after the config is parsed: preflights are answered before any authentication.
  // The gateway comes before the edge's routes: it forwards only paths under GATEWAY_ROUTES prefixes
  // (never edge-owned ones) and lets everything else through.
  app.use(
    '*',
    requestId,
    accessLog,
    edgeSecureHeaders,
    context,
    corsMiddleware({ forwardsPreflight }),
    gatewayMiddleware({ loadTenant: deps.loadTenant, now: deps.now }),
  );

  const routes = app
    .route('/health', healthRoutes([configCheck, clerkCheck, d1Check, kvCheck, keysCheck, machineTokensCheck, limitsCheck, gatewayCheck]))
    .route('/', openapiRoutes(OPENAPI_JSON))
    .route('/.well-known/fulcrum', edgeJwksRoutes)
    .route('/.well-known', jwksRoutes)
    .route('/api/webhooks', webhookRoutes())
    .use('/v1/*', privateNoStore)
    // Before the session-only middleware: /v1/me authenticates every token type itself and answers
    // without calling next(), so the session middleware registered below never runs for it.
    .route(
      '/v1',
      meRoutes({ authenticate: deps.authenticateAnyType, loadTenant: deps.loadTenant, loadMachineTenant: deps.loadMachineTenant }),
    )
    .use('/v1/*', deps.authenticate)
    .route('/v1/admin', adminRoutes({ replay: deps.replay, now: deps.now }))
    .route('/v1', tenantRoutes({ loadTenant: deps.loadTenant }));

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
        log(err.code === 'internal' ? 'error' : 'warn', `error.${err.code}`, { requestId: c.get('requestId'), ...err.detail });
      return errorResponse(c, err);
    }
    // Hono's own HTTP errors (e.g. a malformed body it parsed) carry a status but no envelope.
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      log('warn', 'error.http', { requestId: c.get('requestId'), status, error: err });
      return errorResponse(c, new AppError(status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : 'invalid_request'));
    }
    log('error', 'error.unhandled', { requestId: c.get('requestId'), error: err, stack: err instanceof Error ? err.stack : undefined });
    return errorResponse(c, new AppError('internal'));
  });

  return routes;
}

export type AppType = ReturnType<typeof createApp>;
