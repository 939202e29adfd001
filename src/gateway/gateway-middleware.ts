import type { Context } from 'hono';
import { authenticate } from '../auth/authenticate';
import type { AuthContext } from '../auth/types';
import { openReadSession } from '../db/read-session';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { isPreflight } from '../http/cors';
import { factory } from '../http/factory';
import { log } from '../lib/log';
import { noteGateway } from '../metrics/record-metrics';
import { clientLimiterKey, principalKey } from '../rate-limit/limiters';
import { type LoadTenantDeps, refuseArchived, resolveCallerTenant } from '../tenants/caller-tenant';
import { assertionClaims, assertionIssuer, signAssertion } from './assertion';
import { type SendToOrigin, sendOnce } from './forward';
import { cleanResponseHeaders } from './headers';
import type { NormalizedPath } from './normalize-path';
import { type Identity, outgoingRequest } from './outgoing-request';
import { locatePath } from './path-readings';
import { checkRoutePolicy } from './route-policy';
import type { GatewayRoute, RouteMatch, RouteTable } from './route-table';

declare module '../env' {
  interface Variables {
    /** Set when the response is the origin's: edge-only response headers are not added to it. */
    forwarded: boolean;
  }
}

export type GatewayDeps = {
  /** The tenant cache and clock the caller's tenant is resolved with (the tenants module's one rule). */
  tenants: LoadTenantDeps;
  /** The clock (ms). */
  now: () => number;
};

// On this per-request path variables are read with `c.get(name)`: Hono's `c.var` builds an object of every
// variable on each access.

function misconfigured(names: string[], detail: Record<string, unknown>): AppError {
  return new AppError('misconfigured', { detail, extra: { missing: names } });
}

/** The origin to send to, and the assertion's audience: 503 when either cannot be known. */
export function originOf(c: Context<AppEnv>): { send: SendToOrigin; base: string; audience: string } {
  const config = c.get('config');
  const binding = c.env.ORIGIN;
  if (binding) {
    if (!config.EDGE_AUDIENCE)
      throw misconfigured(['EDGE_AUDIENCE'], { problem: 'EDGE_AUDIENCE is required with the ORIGIN binding' });
    return {
      send: (req, signal) => binding.fetch(req, { signal }),
      base: 'https://origin.internal',
      audience: config.EDGE_AUDIENCE,
    };
  }
  if (!config.ORIGIN_URL) throw misconfigured(['ORIGIN_URL'], { problem: 'no ORIGIN binding and no valid ORIGIN_URL' });
  return {
    send: (req, signal) => fetch(req, { signal }),
    base: config.ORIGIN_URL,
    audience: config.EDGE_AUDIENCE ?? new URL(config.ORIGIN_URL).origin,
  };
}

/**
 * The tenant id the caller acts for, refusing an archived one (403 `tenant_archived`): the tenants module's one
 * rule (`resolveCallerTenant`, `refuseArchived`), with the same cache as /v1. Read in a D1 session of its own:
 * the origin's response must not carry the edge's `x-d1-bookmark`.
 */
async function tenantOf(c: Context<AppEnv>, auth: AuthContext, deps: GatewayDeps): Promise<string | null> {
  let session: ReturnType<typeof openReadSession> | undefined;
  c.set('sessionDb', () => {
    session ??= openReadSession(c.env.DB, null);
    return session.db;
  });
  const tenants = await resolveCallerTenant(c, deps.tenants, auth);
  refuseArchived(tenants);
  return tenants.actsFor;
}

/** Anonymous traffic (`none`/`optional` routes, preflights passed to the origin) per client: 429 before any origin work. */
async function limitAnonymous(c: Context<AppEnv>): Promise<null> {
  const client = clientLimiterKey(c);
  await c
    .get('services')
    .rateLimits.enforce(c.env, 'GATEWAY_ANONYMOUS_LIMITER', client, { requestId: c.get('requestId') });
  return null;
}

async function identityFor(
  c: Context<AppEnv>,
  route: GatewayRoute,
  deps: GatewayDeps,
  audience: string,
  url: URL,
): Promise<Identity | null> {
  const auth =
    route.auth === 'none'
      ? null
      : await authenticate(c, {
          accept: route.accept,
          optional: route.auth === 'optional',
          revocation: route.revocation,
        });
  const services = c.get('services');
  if (!auth) return limitAnonymous(c);
  c.set('auth', auth);
  // Per principal (the user, machine or organization behind any token type): one budget for a caller's session
  // tokens, API keys and OAuth tokens together. Over it ⇒ 429 before any tenant, signing or origin work.
  await services.rateLimits.enforce(c.env, 'GATEWAY_LIMITER', principalKey(auth), { requestId: c.get('requestId') });
  checkRoutePolicy(route, auth);
  const tenantId = await tenantOf(c, auth, deps);
  const config = c.get('config');
  const keys = await services.gateway.usableKeys(config);
  const issuer = assertionIssuer(config, () => url.origin);
  if (issuer === null)
    throw misconfigured(['EDGE_ISSUER'], { problem: 'EDGE_ISSUER is required in staging and production' });
  const claims = assertionClaims({
    auth,
    tenantId,
    issuer,
    audience,
    now: Math.floor(deps.now() / 1000),
  });
  if (claims === null) {
    log('info', 'auth.rejected', {
      requestId: c.get('requestId'),
      reason: 'expired_for_assertion',
      type: auth.tokenType,
    });
    throw new AppError('invalid_token');
  }
  return { auth, tenantId, assertion: await signAssertion(keys.current, claims) };
}

export type Located = { table: RouteTable; url: URL; path: NormalizedPath; match: RouteMatch };
// The CORS middleware (originOwnsCors) and the gateway middleware both need the request's route: found once per
// request. The fast path (fast-path.ts) finds it without this memo and leaves it there only for the requests it
// hands to the app: a WeakMap entry per request it serves itself would be work (and GC) for nothing.
const located = new WeakMap<Request, Located>();

/** The request's URL, canonical path and route match (for an ambiguous path, `kind: 'none'`), found anew. */
export function findRoute(request: Request, table: RouteTable): Located {
  const url = new URL(request.url);
  const { path, match } = locatePath(table, url.pathname);
  return { table, url, path, match };
}

/** `findRoute`, found once per request (memoised for the app's middlewares). */
export function locate(request: Request, table: RouteTable): Located {
  const hit = located.get(request);
  if (hit?.table === table) return hit;
  return rememberRoute(request, findRoute(request, table));
}

/** Memoises a request's route for `locate` (the fast path, for a request it leaves to the app). */
export function rememberRoute(request: Request, found: Located): Located {
  located.set(request, found);
  return found;
}

/**
 * One gateway request, from the route's policy to the origin's response (DESIGN.md "Gateway"): the identity the
 * route needs (authentication, limits, policy, tenant, assertion), the outgoing request, one send, the response
 * headers for the client. Both the fast path (fast-path.ts) and the middleware below run it; errors are thrown
 * (AppError) for their one error path. Needs `services`, `requestId` and `config` set on `c`.
 */
export async function forwardToOrigin(
  c: Context<AppEnv>,
  route: GatewayRoute,
  url: URL,
  canonicalPath: string,
  deps: GatewayDeps,
): Promise<Response> {
  noteGateway(c, route.prefix);
  const origin = originOf(c);
  const request = c.req.raw;
  const websocket = request.headers.get('upgrade')?.toLowerCase() === 'websocket';
  // A preflight for a `"cors": "origin"` route is the origin's to answer (the CORS middleware lets it through).
  // Only a real preflight: any other OPTIONS is authenticated like every request, or it would reach the origin
  // with no identity and no limit. A preflight goes without identity, but counts as the client's anonymous traffic.
  const preflight = route.cors === 'origin' && isPreflight(request);
  const identity = preflight ? await limitAnonymous(c) : await identityFor(c, route, deps, origin.audience, url);
  const requestId = c.get('requestId');
  const outgoing = outgoingRequest({
    incoming: request,
    url: `${origin.base}${canonicalPath}${url.search}`,
    incomingUrl: url,
    identity,
    forwardCredentials: route.forwardCredentials,
    requestId,
    clientIp: request.headers.get('cf-connecting-ip'),
    websocket,
    preflight,
  });
  const sent = Date.now();
  const res = await sendOnce(origin.send, outgoing, c.get('config').ORIGIN_TIMEOUT_MS, requestId);
  noteGateway(c, route.prefix, Date.now() - sent);
  c.set('forwarded', true);
  // The origin's headers are immutable: the new Response copies them (every `Set-Cookie` apart), and that copy is
  // cleaned. On a `"cors": "edge"` route the edge's CORS policy alone answers: the origin's grant is dropped.
  const upgraded = res.status === 101;
  const out = upgraded
    ? new Response(null, { status: 101, headers: res.headers, webSocket: res.webSocket })
    : new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
  cleanResponseHeaders(out.headers, upgraded, route.cors === 'edge');
  return out;
}

/**
 * The gateway as a Hono middleware, for what the fast path leaves to the edge's app (fast-path.ts: OPTIONS,
 * WebSocket handshakes, an ambiguous path, a broken route table): a request under a GATEWAY_ROUTES prefix is
 * forwarded by `forwardToOrigin`; anything else (edge-owned routes included, in any spelling of their path) goes
 * on to the edge's own routes.
 */
export function gatewayMiddleware(deps: GatewayDeps) {
  return factory.createMiddleware(async function gateway(c, next) {
    const table = c.get('services').gateway.routes(c.get('config'));
    if (table.routes.length === 0 && table.problems.length === 0) return next();
    const { url, path, match } = locate(c.req.raw, table);
    if (!path.ok) {
      log('info', 'gateway.path_refused', { requestId: c.get('requestId'), reason: path.error });
      throw new AppError('invalid_request', { message: 'The request path is ambiguous.' });
    }
    if (match.kind === 'none') return next();
    if (match.kind === 'broken') throw misconfigured(['GATEWAY_ROUTES'], { problem: match.problem });
    return forwardToOrigin(c, match.route, url, path.value.path, deps);
  });
}

/** Whether the request is for a gateway route with `"cors": "origin"` (for the CORS middleware). */
export function originOwnsCors(c: Context<AppEnv>): boolean {
  const table = c.get('services').gateway.routes(c.get('config'));
  if (table.routes.length === 0) return false;
  const { match } = locate(c.req.raw, table);
  return match.kind === 'route' && match.route.cors === 'origin';
}
