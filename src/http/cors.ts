import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv, Config } from '../env';

/** Request headers a browser may send cross-origin (besides the CORS-safelisted ones). */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'x-d1-bookmark'];
/** Response headers a cross-origin script may read. */
export const CORS_EXPOSE_HEADERS = ['x-request-id', 'x-d1-bookmark'];
export const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** How long a browser may reuse a preflight answer (seconds; Chromium caps it at 7200). */
export const CORS_MAX_AGE_SECONDS = 600;

/** The origins CORS allows: CORS_ALLOWED_ORIGINS, else CLERK_AUTHORIZED_PARTIES. Exact matches only. */
export function corsAllowedOrigins(
  config: Pick<Config, 'CORS_ALLOWED_ORIGINS' | 'CLERK_AUTHORIZED_PARTIES'>,
): readonly string[] {
  return config.CORS_ALLOWED_ORIGINS.length > 0 ? config.CORS_ALLOWED_ORIGINS : config.CLERK_AUTHORIZED_PARTIES;
}

/** The policy's decision for one `Origin` value: the value to echo, or null (no CORS headers). */
export function corsAllowOrigin(origin: string, allowed: readonly string[]): string | null {
  // Never `*` and never `null`: credentials are allowed, and an opaque origin is not an app.
  return origin !== '' && origin !== 'null' && allowed.includes(origin) ? origin : null;
}

/**
 * A CORS preflight (Fetch §3.2.2): OPTIONS with `Origin` and `Access-Control-Request-Method`; any other
 * OPTIONS is an ordinary request.
 */
export function isPreflight(request: Request): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.has('origin') &&
    request.headers.has('access-control-request-method')
  );
}

const honoCors = cors({
  origin: (origin, c: Context<AppEnv>) => corsAllowOrigin(origin, corsAllowedOrigins(c.get('config'))),
  allowHeaders: CORS_ALLOW_HEADERS,
  exposeHeaders: CORS_EXPOSE_HEADERS,
  allowMethods: CORS_ALLOW_METHODS,
  maxAge: CORS_MAX_AGE_SECONDS,
  credentials: true,
});

/** Removes what only an allowed origin may see (hono/cors sets these for every origin). */
function stripUnlessAllowed(headers: Headers): void {
  if (headers.has('access-control-allow-origin')) return;
  for (const name of [
    'access-control-allow-credentials',
    'access-control-expose-headers',
    'access-control-allow-methods',
    'access-control-allow-headers',
    'access-control-max-age',
  ])
    headers.delete(name);
}

const EXPOSE = CORS_EXPOSE_HEADERS.join(',');

/**
 * The edge's CORS headers on a response to a request that is not a preflight, set directly on `headers` (the
 * gateway's fast path, src/gateway/fast-path.ts): what `corsMiddleware` below leaves on such a response (hono/cors,
 * then `stripUnlessAllowed`): for an allowed `Origin`, the origin echoed, credentials and the exposed headers;
 * `Vary: Origin` always.
 */
export function addCorsHeaders(headers: Headers, requestOrigin: string | null, config: Config): void {
  const allow = corsAllowOrigin(requestOrigin ?? '', corsAllowedOrigins(config));
  if (allow !== null) {
    headers.set('access-control-allow-origin', allow);
    headers.set('access-control-allow-credentials', 'true');
    headers.set('access-control-expose-headers', EXPOSE);
  }
  headers.append('vary', 'Origin');
}

export type CorsOptions = {
  /**
   * True for requests whose CORS is the API origin's (a gateway route with `"cors": "origin"`): the
   * origin answers their preflights and its CORS headers reach the client untouched.
   */
  originOwnsCors?: (c: Context<AppEnv>) => boolean;
};

/**
 * CORS with `hono/cors`, mounted before authentication: a preflight is answered here (204, never
 * 401) and ends the request; other requests get `Access-Control-Allow-Origin` (+ credentials) only
 * when their `Origin` is allowed, and always `Vary: Origin`. Needs `c.var.config`. On a route whose
 * CORS is the origin's, the edge adds nothing to the origin's responses (`c.var.forwarded`); what
 * the edge answers itself there (a refusal, 502/504) gets the edge's policy, as every edge response.
 */
export function corsMiddleware(options: CorsOptions = {}): MiddlewareHandler<AppEnv> {
  return async function cors(c, next) {
    const preflight = isPreflight(c.req.raw);
    if (c.req.method === 'OPTIONS' && !preflight) return next();
    if (options.originOwnsCors?.(c)) {
      await next();
      if (preflight || c.get('forwarded')) return;
      await honoCors(c, async () => {});
      stripUnlessAllowed(c.res.headers);
      return;
    }
    const res = await honoCors(c, next);
    // A preflight's Response is merged with c.res by Hono afterwards: strip both.
    stripUnlessAllowed(c.res.headers);
    if (res instanceof Response) stripUnlessAllowed(res.headers);
    return res;
  };
}
