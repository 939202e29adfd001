import { type ClerkApiFailure, clerkRequest } from './backend-api';

/** A public RSA signing key as Clerk's JWKS lists it (RFC 7517). */
export type Jwk = { kid: string; kty: 'RSA'; n: string; e: string; alg?: string; use?: string };

/** Why a refresh from Clerk failed; reported by `/health/ready` (never the secret or the body). */
export type RefreshErrorKind = 'clerk_unreachable' | 'secret_key_invalid' | 'bad_response';

export type FetchJwksResult = { ok: true; keys: Jwk[] } | { ok: false; kind: RefreshErrorKind; status?: number };

export type FetchJwksOptions = {
  apiUrl: string;
  secretKey: string;
  timeoutMs?: number;
  maxBytes?: number;
  fetch?: typeof fetch;
};

export const JWKS_FETCH_TIMEOUT_MS = 3_000;
/** Clerk's key set is a few KB; a larger body is not a key set and must not be buffered. */
export const JWKS_MAX_BYTES = 64 * 1024;

/** Keeps only well-formed public RSA keys (public fields only: a private `d` is never stored or served). */
function parseJwks(body: unknown): Jwk[] {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return [];
  const out: Jwk[] = [];
  for (const k of keys.slice(0, 20)) {
    if (!k || typeof k !== 'object') continue;
    const { kid, kty, n, e, alg, use } = k as Record<string, unknown>;
    if (kty !== 'RSA' || typeof kid !== 'string' || kid === '' || typeof n !== 'string' || typeof e !== 'string')
      continue;
    if (alg !== undefined && alg !== 'RS256') continue;
    if (use !== undefined && use !== 'sig') continue;
    out.push({ kid, kty, n, e, alg: 'RS256', use: 'sig' });
  }
  return out;
}

/**
 * `GET {apiUrl}/v1/jwks` with the secret key, through the one Backend API helper (deadline, size cap).
 * Only a 2xx JSON body with at least one usable key is a success: an error is never cached.
 */
export async function fetchJwks(options: FetchJwksOptions): Promise<FetchJwksResult> {
  const api = {
    apiUrl: options.apiUrl,
    secretKey: options.secretKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const r = await clerkRequest(api, {
    path: '/jwks',
    timeoutMs: options.timeoutMs ?? JWKS_FETCH_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? JWKS_MAX_BYTES,
  });
  if (!r.ok)
    return {
      ok: false,
      kind: refreshErrorKind(r.error),
      ...(r.error.status === undefined ? {} : { status: r.error.status }),
    };
  const keys = parseJwks(r.value);
  return keys.length > 0 ? { ok: true, keys } : { ok: false, kind: 'bad_response' };
}

/** Clerk failing or unreachable (timeouts, network, 5xx, 429) vs a key Clerk refuses vs a body that is no key set. */
function refreshErrorKind(failure: ClerkApiFailure): RefreshErrorKind {
  switch (failure.reason) {
    case 'timeout':
    case 'network':
      return 'clerk_unreachable';
    case 'unauthorized':
      return 'secret_key_invalid';
    case 'http':
      return (failure.status ?? 0) >= 500 || failure.status === 429 ? 'clerk_unreachable' : 'bad_response';
    case 'too_large':
    case 'malformed':
      return 'bad_response';
  }
}
