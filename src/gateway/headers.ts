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

const FIXED_HOP_BY_HOP = new Set([...HOP_BY_HOP, ...PROXY_ONLY]);

/**
 * Whether a (lower-cased) name is hop-by-hop in these headers: a fixed one or one the sender lists in `Connection`.
 * `keepUpgrade` keeps `Connection`/`Upgrade` for a WebSocket handshake. Only names present are ever removed, so
 * a listed token that is no header name (`Connection: a b`) removes nothing: it named no field.
 */
function hopByHop(headers: Headers, keepUpgrade: boolean): (name: string) => boolean {
  const listed = connectionListed(headers);
  return (name) =>
    (FIXED_HOP_BY_HOP.has(name) || listed.includes(name)) &&
    !(keepUpgrade && (name === 'connection' || name === 'upgrade'));
}

/**
 * A handshake's `Connection` says only `upgrade`: any other name the client listed there would tell a proxy
 * between the edge and the origin to drop that header, the edge's own identity headers included.
 */
function reduceConnection(headers: Headers, keepUpgrade: boolean): void {
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
 * Removes, in one pass over the names, what a client's request must not take to the origin: the hop-by-hop fields
 * (RFC 9110 §7.6.1, including those the client names in `Connection`), every header in the identity namespace (any
 * spelling), every client-sent forwarding header (`x-forwarded-*`, `forwarded`, `x-real-ip`) and the client claims
 * of CLIENT_CLAIMS (any spelling): the edge sets what it vouches for. Run before the edge sets its own headers, so
 * `Connection: x-fulcrum-assertion` can only remove the client's copy. `keepUpgrade` keeps `Connection: upgrade`
 * and `Upgrade` for a WebSocket handshake.
 */
export function removeUnforwardedHeaders(headers: Headers, keepUpgrade: boolean): void {
  const hop = hopByHop(headers, keepUpgrade);
  removeWhere(headers, (name) => hop(name) || isEdgeStated(name));
  reduceConnection(headers, keepUpgrade);
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

/**
 * Cleans, in place and in one pass over the names, a response's headers for the client (the headers of the edge's
 * own copy of the origin's response): hop-by-hop dropped (every `Set-Cookie` kept), `Access-Control-*` dropped when
 * `dropCors` (a `"cors": "edge"` route: the origin's grant never mixes with the edge's policy), and
 * `Service-Worker-Allowed` dropped: the origin shares the edge's host, and that header would let a service worker
 * it serves under its prefix take a scope over the edge's own pages and API (`/console`, `/v1/admin/*`), where it
 * could read the operator's bearer token. Without it a worker's scope stays within the path it was served from.
 */
export function cleanResponseHeaders(headers: Headers, keepUpgrade: boolean, dropCors: boolean): void {
  const hop = hopByHop(headers, keepUpgrade);
  removeWhere(
    headers,
    (name) => hop(name) || name === 'service-worker-allowed' || (dropCors && name.startsWith('access-control-')),
  );
  reduceConnection(headers, keepUpgrade);
}
