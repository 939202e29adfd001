import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { staticAsset } from '../http/static-asset';

// Own script and style only, and requests to this origin only: nothing leaves it, no inline code runs.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /console` and its two assets: the operator console (docs/operations-console.md), static assets
 * (public/console/, outside the Worker's bundle). The page holds no data: everything it shows comes from
 * `/v1/admin/*` (admin + second factor) and `/health/ready`.
 */
export function consoleRoutes() {
  const asset = (path: string, type: string) =>
    staticAsset(path, {
      'content-type': type,
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
    });
  return factory
    .createApp()
    .get('/', asset('/console/index.html', 'text/html; charset=utf-8'))
    .get('/console.js', asset('/console/console.js', 'text/javascript; charset=utf-8'))
    .get('/console.css', asset('/console/console.css', 'text/css; charset=utf-8'));
}

/** OpenAPI entry for consoleRoutes (mounted at `/console`). */
export const consoleRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/console',
    summary: 'The operator console (HTML)',
    description:
      'Readiness, MAU/MRU, refusals by reason and token type, webhooks with replay, tenants. Signs in with an ' +
      'admin bearer token from `#token=…` or pasted, kept in sessionStorage. Strict CSP, works offline.',
    tag: 'docs',
    security: 'none',
    responses: { 200: { description: 'HTML.', contentType: 'text/html' } },
    errors: [],
  },
];
