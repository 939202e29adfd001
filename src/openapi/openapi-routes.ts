import * as z from 'zod/mini';
import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { staticAsset } from '../http/static-asset';

// The page loads only its own script, style and /openapi.json: nothing from elsewhere.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' " +
  "data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /openapi.json` and the offline `/docs` page, static assets (public/). The document is the JSON built
 * from the route schemas by `npm run openapi` (public/openapi.json).
 */
export function openapiRoutes() {
  const page = (path: string, type: string) =>
    staticAsset(path, { 'content-type': type, 'content-security-policy': CSP });
  return factory
    .createApp()
    .get('/openapi.json', staticAsset('/openapi.json', { 'content-type': 'application/json; charset=utf-8' }))
    .get('/docs', page('/docs/index.html', 'text/html; charset=utf-8'))
    .get('/docs/docs.js', page('/docs/docs.js', 'text/javascript; charset=utf-8'))
    .get('/docs/docs.css', page('/docs/docs.css', 'text/css; charset=utf-8'));
}

/** OpenAPI entries for openapiRoutes (mounted at `/`). */
export const openapiRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'docs',
    security: 'none',
    responses: { 200: { description: 'OpenAPI 3.1.', schema: z.looseObject({ openapi: z.string() }) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs',
    summary: 'Human-readable API reference (works offline)',
    tag: 'docs',
    security: 'none',
    responses: { 200: { description: 'HTML.', contentType: 'text/html' } },
    errors: [],
  },
];
