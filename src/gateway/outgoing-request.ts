import type { AuthContext } from '../auth/types';
import { AppError } from '../errors';
import { isSafeHeaderValue, removeCredentials, removeUnforwardedHeaders } from './headers';

export type Identity = { auth: AuthContext; tenantId: string | null; assertion: string };

export type OutgoingInput = {
  incoming: Request;
  /** The origin URL for this request: base + canonical path + query. */
  url: string;
  /** The incoming request's URL, already parsed (its host and scheme become `x-forwarded-host` / `-proto`). */
  incomingUrl: URL;
  identity: Identity | null;
  forwardCredentials: boolean;
  requestId: string;
  clientIp: string | null;
  websocket: boolean;
  /** A CORS preflight passed to the origin (`"cors": "origin"`): forwarded without its body (a preflight has none). */
  preflight?: boolean;
};

/** The plain identity headers (DESIGN.md "Gateway"); a value unusable in a header is left out. */
function identityHeaders({ auth, tenantId, assertion }: Identity): [string, unknown][] {
  return [
    ['x-fulcrum-assertion', assertion],
    ['x-fulcrum-user-id', auth.userId],
    ['x-fulcrum-session-id', auth.sessionId],
    ['x-fulcrum-org-id', auth.orgId],
    ['x-fulcrum-org-role', auth.orgRole],
    ['x-fulcrum-tenant-id', tenantId],
    ['x-fulcrum-token-type', auth.tokenType],
    ['x-fulcrum-machine-id', auth.machineId],
  ];
}

/**
 * The request the origin receives: the client's method, headers and streamed body, minus hop-by-hop
 * fields, client-sent identity and forwarding headers and (unless the route forwards them) the
 * credentials; then the edge's own headers. `redirect: manual`: a 3xx goes back to the client. A GET
 * or HEAD with a body is 400 `invalid_request`. The headers are edited on the new request's own copy of the
 * client's (the one copy made).
 */
export function outgoingRequest(input: OutgoingInput): Request {
  const { incoming, identity } = input;
  // Fetch forbids a GET or HEAD body (new Request would throw a TypeError: a 500); HTTP/1.1 lets a client send one.
  if ((incoming.method === 'GET' || incoming.method === 'HEAD') && incoming.body !== null)
    throw new AppError('invalid_request', { message: 'A GET or HEAD request cannot carry a body.' });
  const body = input.preflight ? null : incoming.body;
  const request = new Request(input.url, {
    method: incoming.method,
    headers: incoming.headers,
    body,
    redirect: 'manual',
  });
  const headers = request.headers;
  removeUnforwardedHeaders(headers, input.websocket);
  if (!input.forwardCredentials) removeCredentials(headers);
  if (identity) {
    for (const [name, value] of identityHeaders(identity)) if (isSafeHeaderValue(value)) headers.set(name, value);
  }
  const url = input.incomingUrl;
  headers.set('x-request-id', input.requestId);
  if (input.clientIp !== null && isSafeHeaderValue(input.clientIp)) headers.set('x-forwarded-for', input.clientIp);
  headers.set('x-forwarded-host', url.host);
  headers.set('x-forwarded-proto', url.protocol.slice(0, -1));
  if (body === null) headers.delete('content-length');
  return request;
}
