import * as z from 'zod/mini';
import { isEntitlementName } from '../auth/billing-rules';
import type { TokenType } from '../auth/types';
import { prefixSegments, startsWithSegments } from './normalize-path';

/** Paths the edge answers itself: never forwarded, and no gateway prefix may sit at or under them. */
export const EDGE_OWNED_PREFIXES = [
  '/v1',
  '/health',
  '/api/webhooks',
  '/.well-known',
  '/openapi.json',
  '/docs',
  '/console',
  '/__test',
] as const;
const EDGE_OWNED = EDGE_OWNED_PREFIXES.map(prefixSegments);

const TOKEN_TYPES = ['session_token', 'api_key', 'm2m_token', 'oauth_token'] as const satisfies readonly TokenType[];
// A prefix is a plain absolute path: no query, fragment, encoding, dot segments or empty segments.
const PREFIX = /^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+\/?)*$/;

const entitlement = z
  .string()
  .check(
    z.maxLength(128),
    z.refine(isEntitlementName, 'must be a name like "dashboard" or "o:dashboard" (scopes u, o, user, org)'),
  );

const routeFields = z.strictObject({
  prefix: z.string().check(
    z.maxLength(512),
    z.refine(
      (p) => PREFIX.test(p) && !prefixSegments(p).some((s) => s === '.' || s === '..'),
      'must be an absolute path like /api/',
    ),
  ),
  auth: z._default(z.enum(['required', 'optional', 'none']), 'required'),
  accept: z._default(z.array(z.enum(TOKEN_TYPES)).check(z.minLength(1)), ['session_token']),
  org: z._default(z.boolean(), false),
  roles: z._default(z.array(z.string().check(z.minLength(1))), []),
  permissions: z._default(z.array(z.string().check(z.minLength(1))), []),
  // Clerk Billing (session token v2 `fea` / `pla`): every feature, and one of the plans, as Clerk's has().
  features: z._default(z.array(entitlement), []),
  plans: z._default(z.array(entitlement), []),
  secondFactorMinutes: z.optional(z.int().check(z.positive(), z.lte(10_080))),
  forwardCredentials: z._default(z.boolean(), false),
  cors: z._default(z.enum(['edge', 'origin']), 'edge'),
  // `strict`: the session is looked up in the REVOCATIONS object on every request (src/revocation/).
  revocation: z._default(z.enum(['snapshot', 'strict']), 'snapshot'),
});
// Identity rules cannot be met by an anonymous request: they need `auth: "required"`.
const routeSchema = routeFields.check(
  z.refine(
    (r) =>
      r.auth === 'required' ||
      (!r.org &&
        r.roles.length === 0 &&
        r.permissions.length === 0 &&
        r.features.length === 0 &&
        r.plans.length === 0 &&
        r.secondFactorMinutes === undefined),
    'org, roles, permissions, features, plans and secondFactorMinutes need auth "required"',
  ),
);

export type GatewayRoute = z.output<typeof routeSchema> & { segments: string[] };
/** A configured entry that cannot be used; `prefix` when it had a readable one (its requests get 503). */
export type RouteProblem = { index: number; prefix: string | null; issue: string };
export type RouteTable = { routes: GatewayRoute[]; problems: RouteProblem[] };
export type RouteMatch =
  | { kind: 'route'; route: GatewayRoute }
  | { kind: 'broken'; problem: RouteProblem }
  | { kind: 'none' };

/** Reads GATEWAY_ROUTES: a JSON array, or a string holding one (`.dev.vars` can only hold strings). */
export function parseRouteTable(raw: unknown): RouteTable {
  let value: unknown = raw ?? [];
  if (typeof value === 'string') {
    try {
      value = value.trim() === '' ? [] : JSON.parse(value);
    } catch {
      return { routes: [], problems: [{ index: -1, prefix: null, issue: 'GATEWAY_ROUTES is not valid JSON' }] };
    }
  }
  if (!Array.isArray(value))
    return { routes: [], problems: [{ index: -1, prefix: null, issue: 'GATEWAY_ROUTES must be a JSON array' }] };
  const routes: GatewayRoute[] = [];
  const problems: RouteProblem[] = [];
  value.forEach((entry: unknown, index) => {
    const rawPrefix = (entry as { prefix?: unknown } | null)?.prefix;
    const prefix = typeof rawPrefix === 'string' && PREFIX.test(rawPrefix) ? rawPrefix : null;
    const parsed = routeSchema.safeParse(entry);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      problems.push({ index, prefix, issue: `${first?.path.join('.') || 'entry'}: ${first?.message ?? 'invalid'}` });
      return;
    }
    const segments = prefixSegments(parsed.data.prefix);
    const owned = EDGE_OWNED.findIndex((edge) => startsWithSegments(segments, edge));
    if (owned >= 0) {
      problems.push({ index, prefix, issue: `overlaps the edge-owned route ${EDGE_OWNED_PREFIXES[owned]}` });
      return;
    }
    if (routes.some((r) => r.segments.join('/').toLowerCase() === segments.join('/').toLowerCase())) {
      problems.push({ index, prefix, issue: 'duplicate prefix' });
      return;
    }
    routes.push({ ...parsed.data, segments });
  });
  // Longest prefix first, so the first match is the most specific.
  routes.sort((a, b) => b.segments.length - a.segments.length);
  return { routes, problems };
}

/** True for paths the edge answers itself (after normalisation). */
export function isEdgeOwned(segments: readonly string[]): boolean {
  return EDGE_OWNED.some((edge) => startsWithSegments(segments, edge));
}

/**
 * The route for a normalised path: the longest matching prefix, on whole segments. A broken entry
 * whose prefix matches more specifically than any valid route wins too (its requests answer 503,
 * never a forward under a policy other than the one configured).
 */
export function matchRoute(table: RouteTable, segments: readonly string[]): RouteMatch {
  if (isEdgeOwned(segments)) return { kind: 'none' };
  const route = table.routes.find((r) => startsWithSegments(segments, r.segments));
  let broken: RouteProblem | undefined;
  for (const p of table.problems) {
    if (p.prefix === null) continue;
    const s = prefixSegments(p.prefix);
    if (startsWithSegments(segments, s) && (!broken || s.length > prefixSegments(broken.prefix ?? '').length))
      broken = p;
  }
  if (broken && (!route || prefixSegments(broken.prefix ?? '').length >= route.segments.length))
    return { kind: 'broken', problem: broken };
  return route ? { kind: 'route', route } : { kind: 'none' };
}
