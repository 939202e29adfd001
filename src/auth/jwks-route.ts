import * as z from 'zod/mini';
import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { etagOf, matchesIfNoneMatch } from '../lib/http-cache';
import { assertKeyConfig, rethrowKeyError } from './authenticate';

/** `GET /.well-known/jwks.json`: the public keys this edge verifies with, from its cache. */
export const jwksRoutes = factory.createApp().get('/jwks.json', async (c) => {
  assertKeyConfig(c);
  const { keys } = await c.var.services.verifiers.for(c.var.config).keys(c.env.JWKS_CACHE).catch(rethrowKeyError);
  const body = JSON.stringify({ keys: keys.map(({ kid, kty, n, e, alg, use }) => ({ kid, kty, n, e, alg, use })) });
  const etag = await etagOf(body);
  const headers = {
    etag,
    'cache-control': 'public, max-age=300, stale-while-revalidate=60',
    'content-type': 'application/json',
  };
  if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
});

/** OpenAPI entry for jwksRoutes (mounted under `/.well-known`). */
export const jwksRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: "Clerk's signing keys, from the cache",
    tag: 'session',
    security: 'none',
    responses: {
      200: {
        description: 'A JWK Set (RFC 7517).',
        schema: z.object({
          keys: z.array(z.looseObject({ kty: z.string(), kid: z.optional(z.string()), alg: z.optional(z.string()) })),
        }),
      },
    },
    errors: ['auth_unavailable', 'misconfigured'],
  },
];
