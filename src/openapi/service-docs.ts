import * as z from 'zod/mini';
import { tenantSchema } from '../tenants/tenant-json';
import type { RouteDoc } from './route-doc';

/**
 * Routes whose modules are written elsewhere (health, session, webhooks, JWKS), documented
 * here by path from their DESIGN.md contracts. When a module exports its own docs, move them there.
 */
const check = z.looseObject({ status: z.enum(['ok', 'degraded', 'fail']) });

export const serviceRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    tag: 'health',
    security: 'none',
    responses: { 200: { description: 'Alive.', schema: z.object({ status: z.literal('ok') }) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness: configuration, D1, KV, key set',
    tag: 'health',
    security: 'none',
    responses: {
      200: {
        description: 'Ready (or degraded).',
        schema: z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), check) }),
      },
      503: { description: 'Not ready.', schema: z.object({ status: z.literal('fail'), checks: z.record(z.string(), check) }) },
    },
    errors: [],
  },
  {
    method: 'post',
    path: '/api/webhooks/clerk',
    summary: "Clerk's webhooks, delivered by Svix",
    description:
      'Verified with the Svix signature headers; at least once, in no guaranteed order. A redelivery answers `duplicate: true`. ' +
      'A known `svix-id` delivered with another body is refused with 409 `conflict` and nothing is applied. ' +
      'An event whose effect would rewrite another entity (a session of another user, a tenant of the other kind) is 400 and stored `failed`.',
    tag: 'webhooks',
    security: 'svix',
    headers: z.object({ 'svix-id': z.string(), 'svix-timestamp': z.string(), 'svix-signature': z.string() }),
    body: {
      schema: z.looseObject({ type: z.string(), data: z.looseObject({}), timestamp: z.optional(z.number()) }),
      description: 'A Clerk event.',
    },
    responses: { 200: { description: 'Received.', schema: z.object({ received: z.literal(true), duplicate: z.optional(z.boolean()) }) } },
    errors: ['invalid_request', 'conflict', 'payload_too_large', 'internal', 'misconfigured'],
  },
  {
    method: 'get',
    path: '/v1/me',
    readSession: true,
    summary: 'The caller: user, session, active organization and tenant',
    description:
      'Accepts every token type: a session token, an API key (`ak_…`), an M2M token (`mt_…` or JWT) or an OAuth access token (`oat_…` or JWT), in `Authorization: Bearer`. `tokenType` says which; `tenant` is null for M2M tokens.',
    tag: 'session',
    security: 'session',
    responses: {
      200: {
        description: 'The caller.',
        schema: z.object({
          userId: z.nullable(z.string()),
          sessionId: z.nullable(z.string()),
          orgId: z.nullable(z.string()),
          orgRole: z.nullable(z.string()),
          tenant: z.nullable(tenantSchema),
          tokenType: z.enum(['session_token', 'api_key', 'm2m_token', 'oauth_token']),
          subject: z.string(),
          scopes: z.array(z.string()),
        }),
      },
    },
    errors: ['invalid_token', 'tenant_archived', 'rate_limited', 'auth_unavailable', 'misconfigured'],
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: "Clerk's signing keys, from the cache",
    tag: 'session',
    security: 'none',
    responses: {
      200: {
        description: 'A JWK Set (RFC 7517).',
        schema: z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.optional(z.string()), alg: z.optional(z.string()) })) }),
      },
    },
    errors: ['auth_unavailable', 'misconfigured'],
  },
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
