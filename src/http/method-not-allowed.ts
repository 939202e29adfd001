import type { Hono } from 'hono';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Returns the methods registered for `path` (excluding middleware registered for every
 * method), so an unknown method on a known path can be answered 405 with an `Allow` header
 * instead of a misleading 404. It asks the app's own router with the path the app matched, so
 * the 405 answer and the routing can never disagree (e.g. on a trailing `/`: Hono is strict, so
 * `/v1/tenant/` is no route at all, a 404, for every method).
 */
export function allowedMethods(app: Hono<any, any, any>): (path: string) => string[] {
  return (path) => METHODS.filter((m) => app.router.match(m, path)[0].some(([[, route]]) => route.method !== 'ALL'));
}
