import type { MiddlewareHandler } from 'hono';
import * as z from 'zod/mini';
import type { AppEnv } from '../env';
import { factory } from '../lib/factory';
import type { RouteDoc } from '../openapi/route-doc';
import { tenantSchema, toTenantJson } from './tenant-json';

/** `GET /v1/me`: who the session says the caller is, and their tenant (created just in time by `loadTenant`). */
export function meRoutes(loadTenant: MiddlewareHandler<AppEnv>) {
  return factory.createApp().get('/me', loadTenant, (c) => {
    const { userId, sessionId, orgId, orgRole } = c.get('auth');
    return c.json({ userId, sessionId, orgId, orgRole, tenant: toTenantJson(c.get('tenant')) });
  });
}

/** OpenAPI entry for meRoutes (mounted under `/v1`). */
export const meRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/me',
    readSession: true,
    summary: 'The caller: user, session, active organization and tenant',
    tag: 'session',
    security: 'session',
    responses: {
      200: {
        description: 'The caller.',
        schema: z.object({
          userId: z.string(),
          sessionId: z.string(),
          orgId: z.nullable(z.string()),
          orgRole: z.nullable(z.string()),
          tenant: tenantSchema,
        }),
      },
    },
    errors: ['invalid_token', 'tenant_archived', 'auth_unavailable', 'misconfigured'],
  },
];
