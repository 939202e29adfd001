import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { factory } from '../http/factory';
import type { KeySource, Outcome, RequestOutcome, Surface } from './data-point';

declare module '../env' {
  interface Variables {
    /** Why the request was refused, as tagged where it was decided (auth failure union, webhook verification). */
    refusal: { reason: string; tokenType?: string };
    /** The gateway prefix that served the request (set by the gateway; its surface is then `gateway`). */
    gatewayRoute: string;
    /** Time to the origin's response headers (ms). */
    originMs: number;
    /** Where the request's verification key came from. */
    keySource: KeySource;
  }
}

/** Tags the request's refusal reason for the metrics (the client never sees it). */
export function noteRefusal<E extends AppEnv>(c: Context<E>, reason: string, tokenType?: string): void {
  (c as unknown as Context<AppEnv>).set('refusal', tokenType === undefined ? { reason } : { reason, tokenType });
}

/** The gateway's one recording call: which prefix served the request and how long the origin took. */
export function noteGateway(c: Context<AppEnv>, prefix: string, originMs?: number): void {
  c.set('gatewayRoute', prefix);
  if (originMs !== undefined) c.set('originMs', originMs);
}

function surfaceOf(c: Context<AppEnv>, path: string): Surface | null {
  if (c.get('gatewayRoute') !== undefined) return 'gateway';
  if (path.startsWith('/v1/admin/') || path === '/v1/admin') return 'admin';
  if (path.startsWith('/v1/')) return 'edge';
  if (path.startsWith('/api/webhooks/')) return 'webhook';
  return null;
}

/**
 * The route pattern that answered (`/v1/admin/tenants/:id`): the last handler registered for a method, else the
 * last middleware pattern that matched (`/v1/*`). Never the raw path: its values are the client's to choose.
 */
function routePattern(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== 'ALL') return route.path;
  }
  return routes.at(-1)?.path ?? '-';
}

/**
 * The outcome of a finished request (after every middleware and `onError` ran), or null when the request is
 * not one the metrics count (health, documents, the console itself, CORS preflights of edge routes).
 */
export function outcomeOf(c: Context<AppEnv>, totalMs: number): RequestOutcome | null {
  const surface = surfaceOf(c, c.req.path);
  if (surface === null || (surface !== 'gateway' && c.req.method === 'OPTIONS')) return null;
  const status = c.res.status;
  const refusal = c.get('refusal');
  const auth = c.get('auth');
  // The origin's own 4xx/5xx are its answers to an accepted request: only the edge's refusals count as such.
  const forwarded = c.get('forwarded') === true;
  const outcome: Outcome = forwarded || status < 400 ? 'accepted' : status >= 500 ? 'error' : 'refused';
  let reason = '-';
  if (outcome !== 'accepted') {
    const code = c.error instanceof AppError ? c.error.code : undefined;
    // Over a limit, the limit is the reason (a refused credential that tipped it over became a 429).
    reason =
      code === 'rate_limited' ? code : (refusal?.reason ?? code ?? (status === 404 ? 'not_found' : `http_${status}`));
  }
  return {
    surface,
    route: c.get('gatewayRoute') ?? routePattern(c),
    outcome,
    reason,
    tokenType: auth?.tokenType ?? refusal?.tokenType ?? '-',
    keySource: c.get('keySource') ?? '-',
    status,
    colo: (c.req.raw.cf?.colo as string | undefined) ?? '-',
    index: auth ? (auth.orgId ?? auth.userId ?? '-') : '-',
    totalMs,
    originMs: c.get('originMs') ?? 0,
  };
}

/**
 * Records the finished request's data point, if it is one the metrics count. Never throws: a failure to record
 * never changes the response (said once per occurrence in the log). The middleware below and the gateway's fast
 * path (src/gateway/fast-path.ts) both call it once per request, with `c.res` the response sent.
 */
export function recordRequest(c: Context<AppEnv>, totalMs: number): void {
  try {
    const outcome = outcomeOf(c, totalMs);
    if (outcome) {
      const development = c.get('config')?.ENVIRONMENT === 'development';
      c.get('services').metrics.record(c.env.METRICS, outcome, development);
    }
  } catch (error) {
    c.get('services').log('error', 'metrics.record_failed', { requestId: c.get('requestId'), error });
  }
}

/**
 * Records one data point per request that authenticates or is refused (DESIGN.md "Operator visibility"),
 * after the response is built: nothing is awaited, and a failure to record never changes the response.
 */
export const recordMetrics = factory.createMiddleware(async function recordMetrics(c, next) {
  const start = Date.now();
  // Errors never pass here: the app's onError has turned them into `c.res` already (`c.error` keeps the cause).
  await next();
  recordRequest(c, Date.now() - start);
});
