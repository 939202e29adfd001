import { readResponseText } from '../lib/read-body';
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
export function parseJwks(body: unknown): Jwk[] {
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return [];
  const out: Jwk[] = [];
  for (const k of keys.slice(0, 20)) {
    if (!k || typeof k !== 'object') continue;
    const { kid, kty, n, e, alg, use } = k as Record<string, unknown>;
    if (kty !== 'RSA' || typeof kid !== 'string' || kid === '' || typeof n !== 'string' || typeof e !== 'string') continue;
    if (alg !== undefined && alg !== 'RS256') continue;
    if (use !== undefined && use !== 'sig') continue;
    out.push({ kid, kty, n, e, alg: 'RS256', use: 'sig' });
  }
  return out;
}

/**
 * `GET {apiUrl}/v1/jwks` with the secret key, a timeout and a size cap (as workers-oauth-provider's
 * jwks.ts). Only a 2xx JSON body with at least one usable key is a success: an error is never cached.
 */
export async function fetchJwks(options: FetchJwksOptions): Promise<FetchJwksResult> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? JWKS_FETCH_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const request = doFetch(`${options.apiUrl}/v1/jwks`, {
      headers: { authorization: `Bearer ${options.secretKey}`, accept: 'application/json' },
      signal: controller.signal,
    });
    const res = await Promise.race([request, timeout]);
    if (res === 'timeout') return { ok: false, kind: 'clerk_unreachable' };
    // Clerk answers 401/403 to a wrong or revoked secret key (its `clerk_key_invalid` error).
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      return { ok: false, kind: 'secret_key_invalid', status: res.status };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { ok: false, kind: res.status >= 500 || res.status === 429 ? 'clerk_unreachable' : 'bad_response', status: res.status };
    }
    const text = await Promise.race([readResponseText(res, options.maxBytes ?? JWKS_MAX_BYTES), timeout]);
    if (text === 'timeout') return { ok: false, kind: 'clerk_unreachable' };
    if (text === null) return { ok: false, kind: 'bad_response', status: res.status };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, kind: 'bad_response', status: res.status };
    }
    const keys = parseJwks(body);
    return keys.length > 0 ? { ok: true, keys } : { ok: false, kind: 'bad_response', status: res.status };
  } catch {
    return { ok: false, kind: 'clerk_unreachable' };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
