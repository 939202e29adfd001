import { err, ok, type Result } from '../lib/result';
import type { OpaqueType } from './token-type';
import type { MachineData, MachineFailure } from './verify-machine-jwt';

/**
 * What a Backend API POST gave back: a response (any status, its JSON body or null), or nothing
 * usable in time (network error, timeout, oversize body). Implemented by the Clerk request helper.
 */
export type ClerkPostResult = { kind: 'response'; status: number; body: unknown } | { kind: 'unreachable' };
export type ClerkPost = (path: string, body: Record<string, unknown>, secretKey: string) => Promise<ClerkPostResult>;

/** Why Clerk could not answer: never cached, never blamed on the caller (503, not 401). */
export type VerifyUnavailable = 'clerk_unreachable' | 'secret_key_invalid';

/** A refusal of the token (`cacheable`: a definite 404), or Clerk not answering usably (`unavailable`). */
export type OpaqueFailure =
  | { reason: MachineFailure; cacheable: boolean }
  | { unavailable: VerifyUnavailable; status?: number };

export type OpaqueResult = Result<MachineData, OpaqueFailure>;

/**
 * Clerk's verify endpoints (@clerk/backend 3.25: APIKeysAPI, M2MTokenApi, IdPOAuthAccessTokenApi),
 * all without the `/v1` prefix (`skipApiVersionInUrl`), each with its body field.
 */
export const VERIFY_ENDPOINTS: Record<OpaqueType, { path: string; field: string }> = {
  api_key: { path: '/api_keys/verify', field: 'secret' },
  m2m_token: { path: '/m2m_tokens/verify', field: 'token' },
  oauth_token: { path: '/oauth_applications/access_tokens/verify', field: 'access_token' },
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
const record = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** assertOAuthAudienceClaim, as Clerk applies it after an OAuth verify (the opaque form too). */
function oauthAudienceOk(aud: unknown, expected: readonly string[]): boolean {
  if (expected.length === 0) return true;
  const list = aud ? [aud].flat() : [];
  if (list.length === 0 || !list.every((a) => typeof a === 'string' && a.length > 0)) return false;
  return list.some((a) => expected.includes(a as string));
}

/**
 * Maps a verify response to a decision. Stricter than Clerk (which signs in any 200): a body that
 * says `revoked`, `expired` or `active: false`, or whose `expiration` has passed, or that has no
 * subject, is refused. Only a definite 404 is cacheable as a refusal.
 */
export function interpretVerifyResponse(
  type: OpaqueType,
  res: ClerkPostResult,
  options: { now: number; oauthAudience: readonly string[] },
): OpaqueResult {
  if (res.kind === 'unreachable') return err({ unavailable: 'clerk_unreachable' });
  const { status } = res;
  // Clerk answers 401 to a wrong secret key (handleClerkAPIError: InvalidSecretKey), 403 to a revoked one.
  if (status === 401 || status === 403) return err({ unavailable: 'secret_key_invalid', status });
  if (status === 429 || status >= 500) return err({ unavailable: 'clerk_unreachable', status });
  if (status === 404) return err({ reason: 'not_found', cacheable: true });
  if (status < 200 || status >= 300) return err({ reason: 'malformed', cacheable: false });
  const body = record(res.body);
  if (!body) return err({ unavailable: 'clerk_unreachable', status });
  if (body.active === false) return err({ reason: 'inactive', cacheable: false });
  if (body.revoked === true) return err({ reason: 'revoked', cacheable: false });
  if (body.expired === true) return err({ reason: 'expired', cacheable: false });
  const subject = str(body.subject);
  if (!subject) return err({ reason: 'missing_subject', cacheable: false });
  const expiration = typeof body.expiration === 'number' && Number.isFinite(body.expiration) ? body.expiration : null;
  if (expiration !== null && expiration <= options.now) return err({ reason: 'expired', cacheable: false });
  if (type === 'oauth_token' && !oauthAudienceOk(body.aud, options.oauthAudience))
    return err({ reason: 'audience_mismatch', cacheable: false });
  return ok({
    id: str(body.id) ?? '',
    subject,
    scopes: strings(body.scopes),
    claims: record(body.claims),
    clientId: type === 'oauth_token' ? (str(body.client_id) ?? '') : null,
    expiresAtMs: expiration,
  });
}
