import { err, ok, type Result } from '../lib/result';
import { verifyRs256 } from '../lib/rs256';
import type { Jwt, KeyResolver } from './verify-session';
import { checkTimeClaims, DEFAULT_CLOCK_SKEW_MS, isOAuthAccessTokenType, secondsToMs } from './verify-session';

/** Why a machine token was refused; mapped to 401 `invalid_token` in one place, the reason only logged. */
export type MachineFailure =
  | 'malformed'
  | 'wrong_category'
  | 'bad_header_type'
  | 'bad_algorithm'
  | 'unknown_kid'
  | 'bad_signature'
  | 'missing_subject'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'bad_claims'
  | 'audience_mismatch'
  | 'not_found'
  | 'revoked'
  | 'inactive';

/** What a verified machine token says, as Clerk's M2MToken / IdPOAuthAccessToken / APIKey resources do. */
export type MachineData = {
  id: string;
  subject: string;
  scopes: string[];
  claims: Record<string, unknown> | null;
  clientId: string | null;
  /** Epoch ms; null when the token never expires (API keys, opaque M2M tokens without expiry). */
  expiresAtMs: number | null;
};

export type MachineJwtResult = Result<MachineData, MachineFailure>;

export type MachineJwtOptions = {
  resolveKey: KeyResolver;
  /** `CLERK_OAUTH_AUDIENCE`: when set, an OAuth token's `aud` must contain one of them. */
  oauthAudience: readonly string[];
  now: number;
};

// Header `cat` of Clerk's M2M JWTs (@clerk/backend src/tokens/jwtCategories.ts).
const JWT_CATEGORY_M2M_TOKEN = 'cl_B7d4PD333AAA';
// Claims Clerk's M2MToken.fromJwtPayload leaves out of `claims`.
const M2M_RESERVED_JWT_CLAIMS = new Set(['iss', 'sub', 'exp', 'nbf', 'iat', 'jti']);

const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null);

/**
 * Header rules of `verifyM2MJwt` / `verifyOAuthJwt` (@clerk/backend 3.25 src/jwt/verifyMachineJwt.ts):
 * an M2M JWT's `cat` is absent or the M2M category and its `typ` absent or "JWT" (verifyJwt's default);
 * an OAuth JWT's `typ` is `at+jwt` or `application/at+jwt` (recognition already required it).
 */
function checkHeader(type: 'm2m_token' | 'oauth_token', header: Record<string, unknown>): MachineFailure | null {
  if (type === 'm2m_token') {
    if (header.cat !== undefined && header.cat !== JWT_CATEGORY_M2M_TOKEN) return 'wrong_category';
    if (header.typ !== undefined && header.typ !== 'JWT') return 'bad_header_type';
  } else if (!isOAuthAccessTokenType(header.typ)) return 'bad_header_type';
  // RFC 8725 §3.1: pinned, as for sessions (Clerk also admits RS384/RS512; it signs with RS256).
  if (header.alg !== 'RS256') return 'bad_algorithm';
  return null;
}

/** verifyJwt's claim checks in its order (sub, then exp required, nbf/iat if present, all with skew). */
function checkClaims(payload: Record<string, unknown>, now: number): MachineFailure | null {
  if (typeof payload.sub !== 'string') return 'missing_subject';
  return checkTimeClaims(payload, now, DEFAULT_CLOCK_SKEW_MS);
}

/** assertOAuthAudienceClaim: with an expected audience, `aud` must be non-empty string(s) including one. */
function checkOAuthAudience(aud: unknown, expected: readonly string[]): boolean {
  if (expected.length === 0) return true;
  const list = aud ? [aud].flat() : undefined;
  const valid = strings(list);
  if (!valid || valid.some((a) => a.length === 0)) return false;
  return valid.some((a) => expected.includes(a));
}

/** The resource fields Clerk builds from the payload (M2MToken / IdPOAuthAccessToken.fromJwtPayload). */
function toData(type: 'm2m_token' | 'oauth_token', p: Record<string, unknown>): MachineData {
  const id = typeof p.jti === 'string' ? p.jti : '';
  const expiresAtMs = secondsToMs(p.exp as number);
  if (type === 'm2m_token') {
    const scopes =
      typeof p.scopes === 'string'
        ? p.scopes.split(' ')
        : (strings(p.aud) ?? (typeof p.aud === 'string' ? [p.aud] : []));
    const claims = Object.fromEntries(Object.entries(p).filter(([k]) => !M2M_RESERVED_JWT_CLAIMS.has(k)));
    return {
      id,
      subject: p.sub as string,
      scopes,
      claims: Object.keys(claims).length > 0 ? claims : null,
      clientId: null,
      expiresAtMs,
    };
  }
  const scopes = strings(p.scp) ?? (typeof p.scope === 'string' ? p.scope.split(' ') : []);
  return {
    id,
    subject: p.sub as string,
    scopes,
    claims: p,
    clientId: typeof p.client_id === 'string' ? p.client_id : '',
    expiresAtMs,
  };
}

/**
 * Verifies an M2M or OAuth access token in JWT form locally, with the same key source as sessions
 * (so it keeps working while Clerk is down) and Clerk's rules for it. No `azp` check: Clerk passes
 * no authorized parties to machine JWTs. Pure: key lookup and clock injected.
 */
export async function verifyMachineJwt(
  type: 'm2m_token' | 'oauth_token',
  jwt: Jwt,
  options: MachineJwtOptions,
): Promise<MachineJwtResult> {
  const headerProblem = checkHeader(type, jwt.header);
  if (headerProblem) return err(headerProblem);
  const key = await options.resolveKey(typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined);
  if (!key) return err('unknown_kid');
  if (!(await verifyRs256(key, jwt.signature, jwt.signed))) return err('bad_signature');
  const claimProblem = checkClaims(jwt.payload, options.now);
  if (claimProblem) return err(claimProblem);
  if (type === 'oauth_token' && !checkOAuthAudience(jwt.payload.aud, options.oauthAudience))
    return err('audience_mismatch');
  return ok(toData(type, jwt.payload));
}
