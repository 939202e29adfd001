import { Hono } from 'hono';
import type { AppEnv } from './env';
import { handleError, handleNotFound } from './http/error-handlers';
import { accessLog, context, edgeSecureHeaders, requestId } from './http/middleware';
import { recordMetrics } from './metrics/record-metrics';
import { type Services, withServices } from './services/services';

/**
 * The app every Hono app of this service starts from (hono's `createFactory({ initApp })` idea): the first
 * middlewares, in this order, and the one `onError`/`notFound`. `createApp` builds the Worker on it; tests and
 * benches that mount a single middleware or route build on it too, so they run the real error path and never
 * hand-build a copy of it.
 *
 * 1. `withServices`: `c.var.services`, the isolate's state (caches, verifiers, clock, rate limits);
 * 2. `recordMetrics`: one data point per request, written after everything below (onError included) has built
 *    the response;
 * 3. `requestId`: `c.var.requestId`, echoed as `x-request-id`;
 * 4. `accessLog`: one log line per request, after everything below answered;
 * 5. `edgeSecureHeaders`: security headers on the edge's own responses (not on forwarded ones);
 * 6. `context`: `c.var.config`, `c.var.db`, `c.var.sessionDb()` (and the D1 bookmark on the way out).
 */
export function createBaseApp(services: Services) {
  const app = new Hono<AppEnv>();
  app.use('*', withServices(services), recordMetrics, requestId, accessLog, edgeSecureHeaders, context);
  app.onError(handleError);
  app.notFound(handleNotFound(app));
  return app;
}
