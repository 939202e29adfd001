import { readResponseText } from '../lib/read-body';
import { err, ok, type Result } from '../lib/result';

/**
 * Where and how to reach Clerk's Backend API. `fetch` is injected (the composition root's, or a
 * test's); `timeoutMs`/`maxBytes` are defaults for every call (a request may override them).
 */
export type ClerkApi = {
  apiUrl: string;
  secretKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxBytes?: number;
};

/** One call of the Backend API: JSON in, JSON out. */
export type ClerkRequest = {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Below the API version, e.g. `/users/user_1` (⇒ `/v1/users/user_1`). */
  path: string;
  query?: Record<string, string | number>;
  /** Sent as JSON (`content-type: application/json`). */
  body?: unknown;
  /**
   * Clerk's machine verification endpoints (`/api_keys/verify`, `/m2m_tokens/verify`,
   * `/oauth_applications/access_tokens/verify`) have no `/v1` prefix: same flag as @clerk/backend's
   * `buildRequest({ skipApiVersionInUrl })`.
   */
  skipApiVersionInUrl?: boolean;
  /** One deadline for the response headers and the body together. */
  timeoutMs?: number;
  /** A larger body is not buffered (declared length or while streaming). */
  maxBytes?: number;
};

/**
 * Why a call failed. `unauthorized` (401/403) means CLERK_SECRET_KEY is invalid or revoked (Clerk's
 * `clerk_key_invalid`; @clerk/backend's machine verification maps 401 to `InvalidSecretKey` too): an
 * operator must act. `http` is any other non-2xx (its `status` says which: 404 is "no such resource").
 */
export type ClerkApiFailure = {
  reason: 'timeout' | 'network' | 'unauthorized' | 'http' | 'too_large' | 'malformed';
  status?: number;
};

export type ClerkApiResult = Result<unknown, ClerkApiFailure>;

/** The Backend API version this code is written against (@clerk/backend's `SUPPORTED_BAPI_VERSION`). */
export const CLERK_API_VERSION = '2026-05-12';
export const CLERK_TIMEOUT_MS = 5_000;
export const CLERK_MAX_BYTES = 2 * 1024 * 1024;

function urlOf(api: ClerkApi, req: ClerkRequest): string {
  const url = new URL(`${api.apiUrl.replace(/\/+$/, '')}${req.skipApiVersionInUrl ? '' : '/v1'}${req.path}`);
  for (const [name, value] of Object.entries(req.query ?? {})) url.searchParams.set(name, String(value));
  return url.href;
}

/**
 * The one way this service talks to Clerk's Backend API: Bearer secret key, `Clerk-API-Version`,
 * a deadline covering headers and body (as workers-oauth-provider's jwks.ts: a Clerk that hangs, or
 * stalls mid-body, never hangs a request or the cron), a body size cap, and failures as data (never a
 * throw, never the body or the key in a message). A 2xx body that is not JSON is `malformed`.
 */
export async function clerkRequest(api: ClerkApi, req: ClerkRequest): Promise<ClerkApiResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A race as well as the abort: an injected fetch (or a stream) may ignore the signal.
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(
      () => {
        controller.abort();
        resolve('timeout');
      },
      req.timeoutMs ?? api.timeoutMs ?? CLERK_TIMEOUT_MS,
    );
  });
  const headers: Record<string, string> = {
    authorization: `Bearer ${api.secretKey}`,
    accept: 'application/json',
    'clerk-api-version': CLERK_API_VERSION,
  };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const request = (api.fetch ?? fetch)(urlOf(api, req), {
      method: req.method ?? 'GET',
      headers,
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal: controller.signal,
    });
    const res = await Promise.race([request, deadline]);
    if (res === 'timeout') return err({ reason: 'timeout' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return err({ reason: res.status === 401 || res.status === 403 ? 'unauthorized' : 'http', status: res.status });
    }
    const text = await Promise.race([readResponseText(res, req.maxBytes ?? api.maxBytes ?? CLERK_MAX_BYTES), deadline]);
    if (text === 'timeout') return err({ reason: 'timeout' });
    if (text === null) return err({ reason: 'too_large', status: res.status });
    if (res.status === 204 || text === '') return ok(null);
    try {
      return ok(JSON.parse(text) as unknown);
    } catch {
      return err({ reason: 'malformed', status: res.status });
    }
  } catch (error) {
    const name = (error as Error | null)?.name;
    return err({ reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
