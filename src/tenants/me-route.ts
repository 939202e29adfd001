import type { MiddlewareHandler } from 'hono';
import * as z from 'zod/mini';
import type { AppEnv } from '../env';
import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { tenantSchema, toTenantJson } from './tenant-json';

/**
 * `GET /v1/me`: who the credential says the caller is. Every token type is accepted (`authenticate`
 * is mounted with all of them); a session's tenant is loaded (created just in time) by `loadTenant`,
 * a machine token's by `loadMachineTenant` (null for M2M).
 */
export function meRoutes(deps: {
  authenticate: MiddlewareHandler<AppEnv>;
  loadTenant: MiddlewareHandler<AppEnv>;
  loadMachineTenant: MiddlewareHandler<AppEnv>;
}) {
  return factory.createApp().get(
    '/me',
    deps.authenticate,
    (c, next) =>
      c.var.auth.tokenType === 'session_token' ? deps.loadTenant(c, next) : deps.loadMachineTenant(c, next),
    (c) => {
      const { userId, sessionId, orgId, orgRole, tokenType, subject, scopes } = c.get('auth');
      const tenant = tokenType === 'session_token' ? c.get('tenant') : c.get('machineTenant');
      return c.json({
        userId,
        sessionId,
        orgId,
        orgRole,
        tenant: tenant ? toTenantJson(tenant) : null,
        tokenType,
        subject,
        scopes,
      });
    },
  );
}

/** OpenAPI entry for meRoutes (mounted under `/v1`). */
export const meRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/me',
    readSession: true,
    summary: 'The caller: user, session, active organization and tenant',
    description:
      'Accepts every token type: a session token, an API key (`ak_…`), an M2M token (`mt_…` or JWT) or an ' +
      'OAuth access token (`oat_…` or JWT), in `Authorization: Bearer`. `tokenType` ' +
      'says which; `tenant` is null for M2M tokens.',
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
];
