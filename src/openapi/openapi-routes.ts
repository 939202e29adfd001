import type { Context } from 'hono';
import * as z from 'zod/mini';
import type { AppEnv } from '../env';
import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { etagOf, matchesIfNoneMatch } from '../lib/http-cache';
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from './docs-assets';

// The page loads only its own script, style and /openapi.json: nothing from elsewhere.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' " +
  "data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Public and identical for everyone, changed only by a deploy: a CDN may keep it for five
 * minutes and serve it stale while revalidating; the ETag (content hash) makes revalidation
 * a bodiless 304.
 */
export const STATIC_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=600';

/** Serves a constant body with its content-hash ETag (hashed once per isolate) and 304s. */
export function constant(body: string, headers: Record<string, string>) {
  let etag: Promise<string> | undefined;
  return async (c: Context<AppEnv>) => {
    etag ??= etagOf(body);
    const all = { ...headers, etag: await etag, 'cache-control': STATIC_CACHE_CONTROL };
    // RFC 9110 §15.4.5: a 304 repeats ETag and Cache-Control.
    if (matchesIfNoneMatch(c.req.header('if-none-match'), all.etag)) return c.body(null, 304, all);
    return c.body(body, 200, all);
  };
}

/**
 * `GET /openapi.json` and the offline `/docs` page. `document` is the JSON built from the
 * route schemas by `npm run openapi` (src/openapi/openapi.generated.ts).
 */
export function openapiRoutes(document: string) {
  const asset = (body: string, type: string) =>
    constant(body, { 'content-type': type, 'content-security-policy': CSP });
  return factory
    .createApp()
    .get('/openapi.json', constant(document, { 'content-type': 'application/json; charset=utf-8' }))
    .get('/docs', asset(DOCS_HTML, 'text/html; charset=utf-8'))
    .get('/docs/docs.js', asset(DOCS_JS, 'text/javascript; charset=utf-8'))
    .get('/docs/docs.css', asset(DOCS_CSS, 'text/css; charset=utf-8'));
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
