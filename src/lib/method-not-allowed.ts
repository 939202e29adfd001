import type { Hono } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Returns the methods registered for `path` (excluding middleware registered for
 * every method), so an unknown method on a known path can be answered 405 with
 * an `Allow` header instead of a misleading 404. Built once, on first use.
 */
export function allowedMethods(app: Hono<any, any, any>): (path: string) => string[] {
  let router: PatternRouter<string> | undefined;
  return (path) => {
    if (!router) {
      router = new PatternRouter<string>();
      for (const r of app.routes) if (r.method !== 'ALL') router.add(r.method, r.path, r.method);
    }
    const found = router;
    return METHODS.filter((m) => found.match(m, path)[0].length > 0);
  };
}
