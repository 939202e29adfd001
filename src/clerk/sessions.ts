import * as z from 'zod/mini';
import { err, ok, type Result } from '../lib/result';
import { type ClerkApi, type ClerkApiFailure, clerkRequest } from './backend-api';

/** At most this many active sessions of one user are listed (Clerk's largest `limit`). */
export const MAX_LISTED_SESSIONS = 500;

const sessionList = z.array(z.looseObject({ id: z.string().check(z.minLength(1)) }));

/**
 * `POST /v1/sessions/{id}/revoke`: `revoked`, or `not_found` when Clerk does not know the session (404), or
 * the failure. Revoking a session that is already revoked or ended is a 2xx or a 4xx at Clerk; both mean
 * it can issue no new token, so any non-404 4xx other than 401/403/429 is reported as `already_inactive`.
 */
export async function revokeClerkSession(
  api: ClerkApi,
  sessionId: string,
): Promise<Result<'revoked' | 'not_found' | 'already_inactive', ClerkApiFailure>> {
  const r = await clerkRequest(api, { method: 'POST', path: `/sessions/${encodeURIComponent(sessionId)}/revoke` });
  if (r.ok) return ok('revoked');
  const status = r.error.status;
  if (r.error.reason === 'http' && status === 404) return ok('not_found');
  if (r.error.reason === 'http' && status !== undefined && status >= 400 && status < 500 && status !== 429)
    return ok('already_inactive');
  return r;
}

/** `GET /v1/sessions?user_id=…&status=active`: the ids of the user's active sessions (a bare JSON array). */
export async function listActiveSessionIds(api: ClerkApi, userId: string): Promise<Result<string[], ClerkApiFailure>> {
  const r = await clerkRequest(api, {
    path: '/sessions',
    query: { user_id: userId, status: 'active', limit: MAX_LISTED_SESSIONS },
  });
  if (!r.ok) return r;
  const parsed = sessionList.safeParse(r.value);
  return parsed.success ? ok(parsed.data.map((s) => s.id)) : err({ reason: 'malformed' });
}
