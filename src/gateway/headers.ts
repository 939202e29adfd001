import { cookiePairs } from '../lib/cookies';

/** RFC 9110 §7.6.1 hop-by-hop fields, plus the de-facto ones proxies drop (RFC 9112 §7, RFC 2068). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
/** Proxy credentials are for this hop only. */
const PROXY_ONLY = ['proxy-authorization', 'proxy-authenticate'];
/** Clerk's cookies (with their instance suffixes, e.g. `__session_Abc123`): the edge's, not the origin's. */
const CLERK_COOKIE = /^(__session|__client_uat|__clerk|__refresh)/;

/** Identity headers set by the edge: the whole `x-fulcrum-` namespace is ours. */
export const IDENTITY_PREFIX = 'x-fulcrum-';

/**
 * A header name as servers may read it: lower-cased, `_` read as `-` (CGI, nginx with
 * underscores_in_headers, many frameworks), as oauth2-proxy compares them.
 */
function normalizedHeaderName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** Names listed in `Connection` (RFC 9110 §7.6.1), lower-cased. */
function connectionListed(headers: Headers): string[] {
  return (headers.get('connection') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Removes the hop-by-hop fields, including those the sender names in `Connection`. Run before the
 * edge sets its own headers, so `Connection: x-fulcrum-assertion` can only remove the client's copy.
 * `keepUpgrade` keeps `Connection`/`Upgrade` for a WebSocket handshake.
 */
export function removeHopByHop(headers: Headers, keepUpgrade = false): void {
  const named = connectionListed(headers);
  for (const name of [...HOP_BY_HOP, ...PROXY_ONLY, ...named]) {
    if (keepUpgrade && (name === 'connection' || name === 'upgrade')) continue;
    headers.delete(name);
  }
  // A handshake's `Connection` says only `upgrade`: any other name the client listed there would tell a proxy
  // between the edge and the origin to drop that header, the edge's own identity headers included.
  if (keepUpgrade && headers.has('connection')) headers.set('connection', 'upgrade');
}

/**
 * Client headers some origin stacks read as identity, client address, routing or method (IIS/ASP.NET
 * `x-original-url`/`x-rewrite-url`, Akamai/others' client-IP headers, CGI `REMOTE_USER`, oauth2-proxy's user, method
 * overrides): a client's value is never forwarded (the edge's own `x-request-id` is set afterwards).
 */
const CLIENT_CLAIMS = new Set([
  'x-original-url',
  'x-rewrite-url',
  'true-client-ip',
  'x-client-ip',
  'client-ip',
  'remote-user',
  'x-remote-user',
  'x-auth-request-user',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-request-id',
]);

/** True for a client header the edge states itself: identity (any spelling: `X_Fulcrum_User_Id`) and forwarding. */
function isEdgeStated(name: string): boolean {
  const n = normalizedHeaderName(name);
  return (
    n.startsWith(IDENTITY_PREFIX) ||
    n.startsWith('x-forwarded-') ||
    n === 'forwarded' ||
    n === 'x-real-ip' ||
    CLIENT_CLAIMS.has(n)
  );
}

/**
 * Removes, in one pass over the names, every client header in the identity namespace (any spelling),
 * every client-sent forwarding header (`x-forwarded-*`, `forwarded`, `x-real-ip`) and the client claims of
 * CLIENT_CLAIMS (any spelling): the edge sets what it vouches for.
 */
export function removeEdgeStatedHeaders(headers: Headers): void {
  removeWhere(headers, isEdgeStated);
}

/** Deletes every header whose name matches (names collected first: deleting while iterating skips some). */
function removeWhere(headers: Headers, matches: (name: string) => boolean): void {
  const names: string[] = [];
  for (const name of headers.keys()) if (matches(name)) names.push(name);
  for (const name of names) headers.delete(name);
}

/** Removes `Authorization` and Clerk's cookies, keeping every other cookie. */
export function removeCredentials(headers: Headers): void {
  headers.delete('authorization');
  const cookie = headers.get('cookie');
  if (cookie === null) return;
  // The edge's own cookie reading (two Cookie fields arrive joined by ", "): what it reads is what it removes.
  const kept = cookiePairs(cookie)
    .filter((c) => !CLERK_COOKIE.test(c.name))
    .map((c) => c.pair);
  if (kept.length > 0) headers.set('cookie', kept.join('; '));
  else headers.delete('cookie');
}

// Visible ASCII and spaces only: no CR/LF/NUL (RFC 9110 §5.5), nothing a server might decode differently.
const SAFE_VALUE = /^[\x20-\x7e]{1,1024}$/;

/** True when a claim value may be sent as a plain header value. */
export function isSafeHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && SAFE_VALUE.test(value) && value.trim() === value;
}

/** Removes a response's `Access-Control-*` headers (the origin's CORS grant, on a route whose CORS is the edge's). */
export function removeCorsHeaders(headers: Headers): void {
  removeWhere(headers, (name) => name.startsWith('access-control-'));
}

/**
 * Copies a response's headers for the client: hop-by-hop dropped, every `Set-Cookie` kept, and
 * `Service-Worker-Allowed` dropped: the origin shares the edge's host, and that header would let a service worker
 * it serves under its prefix take a scope over the edge's own pages and API (`/console`, `/v1/admin/*`), where it
 * could read the operator's bearer token. Without it a worker's scope stays within the path it was served from.
 */
export function responseHeaders(from: Headers, keepUpgrade: boolean): Headers {
  // The copy constructor keeps each `Set-Cookie` as its own field (Fetch: a Headers' iteration yields them apart).
  const out = new Headers(from);
  removeHopByHop(out, keepUpgrade);
  out.delete('service-worker-allowed');
  return out;
}
