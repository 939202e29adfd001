import * as z from 'zod/mini';
import type { RouteDoc } from '../http/route-doc';

/**
 * The gateway's own route. Forwarded paths (GATEWAY_ROUTES prefixes) are configuration, not routes of
 * this Worker: they are described in docs/gateway.md, and answer the origin's responses or the envelope with
 * `bad_gateway` / `gateway_timeout`.
 */
export const gatewayRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/.well-known/fulcrum/jwks.json',
    summary: "The edge's assertion signing keys (current and previous)",
    description:
      'Public halves of EDGE_SIGNING_KEY and EDGE_SIGNING_KEY_PREVIOUS: origins verify ' +
      '`x-fulcrum-assertion` with them. ETag; cacheable.',
    tag: 'gateway',
    security: 'none',
    responses: {
      200: {
        description: 'A JWK Set (RFC 7517): Ed25519 (OKP) or P-256 (EC) public keys.',
        schema: z.object({
          keys: z.array(
            z.looseObject({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string() }),
          ),
        }),
      },
    },
    errors: ['misconfigured'],
  },
];
