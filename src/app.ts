import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppEnv } from './env';
import { AppError, errorResponse } from './errors';
import { configCheck, d1Check, healthRoutes, kvCheck } from './health/health-routes';
import { log } from './lib/log';
import { allowedMethods } from './lib/method-not-allowed';
import { accessLog, context, requestId } from './lib/middleware';
import { webhookRoutes } from './webhooks/webhook-route';

/** The only composition root: middleware order, routes, and the one error path. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.use('*', requestId, accessLog, secureHeaders(), context);

  const routes = app.route('/health', healthRoutes([configCheck, d1Check, kvCheck])).route('/api/webhooks', webhookRoutes());

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
