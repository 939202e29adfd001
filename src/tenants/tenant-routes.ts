import type { MiddlewareHandler } from 'hono';
import * as z from 'zod/mini';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { factory } from '../http/factory';
import { requireConfig } from '../http/middleware';
import type { RouteDoc } from '../http/route-doc';
import { validate } from '../http/validate';
import { signedPage } from '../lib/paging';
import { cursorParam, iso, isoDateTimeParam, isoString, limitParam, nullableIso } from '../lib/schemas';
import { type AuditPosition, listLoginAudits } from './login-audit-store';
import { tenantSchema, toTenantJson } from './tenant-json';
import { requireActiveTenant } from './tenant-middleware';
import { getMembership, getTenant, listActiveOrgMembers } from './tenant-store';

export const auditQuery = z.object({
  limit: limitParam,
  cursor: cursorParam,
  from: isoDateTimeParam('Only sessions created at or after this instant (ISO-8601).'),
  to: isoDateTimeParam('Only sessions created before this instant (ISO-8601).'),
  status: z.optional(z.string().check(z.regex(/^[a-z_]{1,32}$/, 'must be a Clerk session status'))),
});

const auditItem = z.object({
  sessionId: z.string(),
  userId: z.string(),
  status: z.string(),
  ip: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
  createdAt: isoString,
  endedAt: nullableIso,
});
export const auditPage = z.object({ items: z.array(auditItem), nextCursor: z.nullable(z.string()) });

const member = z.object({ userId: z.string(), role: z.nullable(z.string()), joinedAt: isoString });
export const currentOrg = z.object({
  organization: tenantSchema,
  role: z.nullable(z.string()),
  membersByRole: z.record(z.string(), z.array(member)),
});

const auditPosition = z.object({ c: z.number(), s: z.string() });
const parseAuditPosition = (v: unknown) => {
  const r = auditPosition.safeParse(v);
  return r.success ? { createdAt: r.data.c, sessionId: r.data.s } : null;
};

/**
 * The caller's own data, mounted under `/v1`. Expects `c.var.auth` from the session
 * middleware; `loadTenant` sets `c.var.tenant` (tenant-middleware.ts).
 */
export function tenantRoutes(deps: { loadTenant: MiddlewareHandler<AppEnv> }) {
  return factory
    .createApp()
    .get('/tenant', deps.loadTenant, requireActiveTenant, (c) => c.json(toTenantJson(c.var.tenant)))
    .get(
      '/audit/logins',
      requireConfig('CLERK_SECRET_KEY'),
      deps.loadTenant,
      requireActiveTenant,
      validate('query', auditQuery),
      async (c) => {
        const q = c.req.valid('query');
        if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
          throw new AppError('invalid_request', {
            message: 'Invalid query.',
            extra: { issues: [{ path: 'from', message: 'must not be after `to`' }] },
          });
        }
        const paging = {
          secret: c.var.config.CLERK_SECRET_KEY,
          // The cursor's MAC binds it to this tenant and these filters: reused elsewhere it is a 400.
          scope: ['audit', c.var.tenant.id, q.from ?? null, q.to ?? null, q.status ?? null],
          cursor: q.cursor,
          parse: parseAuditPosition,
          toWire: (p: AuditPosition) => ({ c: p.createdAt, s: p.sessionId }),
        };
        const page = await signedPage(
          c.var.services.cursors,
          paging,
          (after) =>
            listLoginAudits(c.var.sessionDb(), {
              tenantId: c.var.tenant.id,
              limit: q.limit ?? 20,
              after,
              from: q.from,
              to: q.to,
              status: q.status,
            }),
          (r) => ({
            sessionId: r.sessionId,
            userId: r.userId,
            status: r.status,
            ip: r.ip,
            userAgent: r.userAgent,
            createdAt: iso(r.createdAt),
            endedAt: iso(r.endedAt),
          }),
        );
        return c.json(page);
      },
    )
    .get('/orgs/current', deps.loadTenant, requireActiveTenant, async (c) => {
      const { orgId, orgRole, userId } = c.var.auth;
      if (userId === null) throw new AppError('forbidden'); // loadTenant refused machine callers already
      if (!orgId) throw new AppError('not_found', { message: 'No active organization in this session.' });
      const org = await getTenant(c.var.sessionDb(), { id: orgId });
      if (org?.kind !== 'organization') throw new AppError('not_found', { message: 'Organization not found.' });
      if (org.status === 'archived') throw new AppError('tenant_archived');
      // The token says the caller belongs to the org; a membership tombstoned since then wins
      // (no row at all only means its webhook has not arrived yet).
      const [own, members] = await Promise.all([
        getMembership(c.var.sessionDb(), { orgId, userId }),
        listActiveOrgMembers(c.var.sessionDb(), { orgId }),
      ]);
      if (own?.status === 'deleted') throw new AppError('forbidden');
      const membersByRole: Record<string, { userId: string; role: string | null; joinedAt: string }[]> = {};
      for (const m of members) {
        const role = m.role ?? 'none';
        membersByRole[role] ??= [];
        membersByRole[role].push({ userId: m.userId, role: m.role, joinedAt: iso(m.createdAt) });
      }
      return c.json({ organization: toTenantJson(org), role: orgRole, membersByRole });
    });
}

/** OpenAPI entries for tenantRoutes (paths as mounted under `/v1`). */
export const tenantRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/tenant',
    readSession: true,
    summary: "The caller's tenant",
    tag: 'tenant',
    security: 'session',
    responses: { 200: { description: 'The tenant.', schema: tenantSchema } },
    errors: ['invalid_token', 'tenant_archived', 'auth_unavailable', 'misconfigured'],
  },
  {
    method: 'get',
    path: '/v1/audit/logins',
    readSession: true,
    summary: "The caller's tenant's login audits, newest first",
    description:
      'Keyset pagination: pass `nextCursor` back as `cursor` with the same filters. `from` is inclusive, `to` ' +
      'exclusive.',
    tag: 'tenant',
    security: 'session',
    query: auditQuery,
    responses: { 200: { description: 'One page of login audits.', schema: auditPage } },
    errors: ['invalid_request', 'invalid_token', 'tenant_archived', 'auth_unavailable', 'misconfigured'],
  },
  {
    method: 'get',
    path: '/v1/orgs/current',
    readSession: true,
    summary: 'The active organization and its members, by role',
    tag: 'tenant',
    security: 'session',
    responses: { 200: { description: 'The organization and its active members.', schema: currentOrg } },
    errors: ['invalid_token', 'forbidden', 'not_found', 'tenant_archived', 'auth_unavailable'],
  },
];
