import { __experimental_JWTPayloadToAuthObjectProperties as clerkAuthProperties } from '@clerk/shared/jwtPayloadParser';
import { decodeBase64Url, decodeBase64UrlToBinary } from '../lib/base64url';
import { err, ok, type Result } from '../lib/result';
import { verifyRs256 } from '../lib/rs256';
import type { SessionAuthContext } from './types';

/**
 * Why a token was refused. Mapped to the wire in one place (`refuse` in authenticate.ts):
 * the client only ever sees 401 `invalid_token`; the reason goes to the log.
 */
export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'too_large'
  | 'bad_header_type'
  | 'bad_algorithm'
  | 'wrong_category'
  | 'machine_token'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'missing_subject'
  | 'missing_session'
  | 'azp_mismatch'
  | 'pending_session'
  | 'client_signed_out'
  | 'bad_claims';

/** A verified session token: the caller, and until when (epoch ms, the token's `exp`) the result holds. */
export type VerifiedSession = { auth: SessionAuthContext; expiresAtMs: number };
export type VerifyResult = Result<VerifiedSession, AuthFailure>;

/** Resolves the verification key for a `kid`; null when the kid is unknown. Throws when no key set is obtainable. */
export type KeyResolver = (kid: string | undefined) => Promise<CryptoKey | null>;

export type VerifyOptions = {
  resolveKey: KeyResolver;
  /** `CLERK_AUTHORIZED_PARTIES`; empty means "not checked", as in Clerk. */
  authorizedParties: readonly string[];
  /** Where the token came from: cookie tokens must carry an allowed `azp` (stricter than Clerk). */
  carrier: 'header' | 'cookie';
  clockSkewInMs?: number;
  now?: () => number;
};

/** Clerk's default (`DEFAULT_CLOCK_SKEW_IN_MS` in @clerk/backend/jwt/verifyJwt). */
export const DEFAULT_CLOCK_SKEW_MS = 5_000;
/** Clerk session tokens are ~1 KB; anything far larger is not one (and is not worth decoding). */
export const MAX_TOKEN_LENGTH = 8_192;

// Header `cat` values from @clerk/backend src/tokens/jwtCategories.ts.
const JWT_CATEGORY_SESSION_TOKEN = 'cl_B7d4PD111AAA';
const JWT_CATEGORY_IGNORE = 'cl_I7d4PD111III';
// RFC 7515 §2: base64url without padding. Same shape as Clerk's JwtFormatRegExp.
const JWT_FORMAT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// Clerk's OAUTH_ACCESS_TOKEN_TYPES and M2M_SUBJECT_PREFIX (@clerk/backend src/tokens/machine.ts).
const OAUTH_ACCESS_TOKEN_TYPES: readonly unknown[] = ['at+jwt', 'application/at+jwt'];
const M2M_SUBJECT_PREFIX = 'mch_';

/** Clerk's marker of an OAuth access token in JWT form: header `typ` `at+jwt` (RFC 9068) or `application/at+jwt`. */
export function isOAuthAccessTokenType(typ: unknown): boolean {
  return OAUTH_ACCESS_TOKEN_TYPES.includes(typ);
}

/** Clerk's marker of an M2M token in JWT form: `sub` is a machine id (`mch_…`). */
export function isMachineSubject(sub: unknown): boolean {
  return typeof sub === 'string' && sub.startsWith(M2M_SUBJECT_PREFIX);
}

/**
 * Clerk converts NumericDate claims with `new Date(0).setUTCSeconds(n)` (assertExpirationClaim & co.),
 * which truncates fractions and yields NaN beyond the Date range. Mirrored so decisions agree exactly.
 */
export function secondsToMs(seconds: number): number {
  const date = new Date(0);
  date.setUTCSeconds(seconds);
  return date.getTime();
}

export type Jwt = {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array;
  signed: string;
};

// Not fatal, as Clerk's decodeJwt: invalid UTF-8 becomes U+FFFD and JSON.parse decides.
const decoder = new TextDecoder();
const NON_ASCII_BYTE = /[\x80-\xff]/;

function decodeJson(s: string): unknown {
  const bin = decodeBase64UrlToBinary(s);
  if (bin === null) return null;
  // Bytes below 0x80 are their own UTF-8 (and hold no BOM): an ASCII segment, the usual one, is parsed as it is.
  if (!NON_ASCII_BYTE.test(bin)) return JSON.parse(bin);
  return JSON.parse(decoder.decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
}

/** Decodes a compact JWS as Clerk's decodeJwt does (null when it would refuse it); no signature check. */
export function decodeJwt(token: string): Jwt | null {
  if (!JWT_FORMAT.test(token)) return null;
  const [h, p, sig] = token.split('.') as [string, string, string];
  try {
    const header = decodeJson(h);
    const payload = decodeJson(p);
    const signature = decodeBase64Url(sig);
    if (!isObject(header) || !isObject(payload) || !signature) return null;
    return { header, payload, signature, signed: `${h}.${p}` };
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the header before any key lookup or RSA work (cheap refusals first, as hono's jwk middleware does). */
function checkHeader({ header, payload }: Jwt): AuthFailure | null {
  // authenticateRequestWithTokenInHeader: OAuth access tokens (typ at+jwt) and M2M JWTs (sub mch_…) are
  // machine tokens, never sessions.
  if (isOAuthAccessTokenType(header.typ) || isMachineSubject(payload.sub)) return 'machine_token';
  // hasNonSessionJwtCategory: JWT templates and M2M tokens carry another `cat`; absent is allowed.
  if (header.cat !== undefined && header.cat !== JWT_CATEGORY_SESSION_TOKEN && header.cat !== JWT_CATEGORY_IGNORE)
    return 'wrong_category';
  // assertHeaderType: `typ` is optional, but when present must be "JWT".
  if (header.typ !== undefined && header.typ !== 'JWT') return 'bad_header_type';
  // RFC 8725 §3.1: pin the algorithm. Clerk also admits RS384/RS512; Clerk signs sessions with RS256 only.
  if (header.alg !== 'RS256') return 'bad_algorithm';
  return null;
}

/**
 * The time claims of Clerk's verifyJwt, in its order: `exp` required, `nbf` and `iat` when present,
 * each with `skew` (ms). Shared by session and machine JWTs.
 */
export function checkTimeClaims(
  payload: Record<string, unknown>,
  now: number,
  skew: number,
): 'bad_claims' | 'expired' | 'not_yet_valid' | 'issued_in_future' | null {
  const { exp, nbf, iat } = payload;
  if (typeof exp !== 'number') return 'bad_claims';
  if (secondsToMs(exp) <= now - skew) return 'expired';
  if (nbf !== undefined && typeof nbf !== 'number') return 'bad_claims';
  if (typeof nbf === 'number' && secondsToMs(nbf) > now + skew) return 'not_yet_valid';
  if (iat !== undefined && typeof iat !== 'number') return 'bad_claims';
  if (typeof iat === 'number' && secondsToMs(iat) > now + skew) return 'issued_in_future';
  return null;
}

/** The claim checks of Clerk's verifyJwt (sub, azp, exp, nbf, iat with skew), in Clerk's order. */
function checkClaims(payload: Record<string, unknown>, options: VerifyOptions, now: number): AuthFailure | null {
  const { sub, azp } = payload;
  if (typeof sub !== 'string') return 'missing_subject';
  const parties = options.authorizedParties;
  if (parties.length > 0 && (!azp || !parties.includes(azp as string))) return 'azp_mismatch';
  // Stricter than Clerk: a cookie is sent by the browser to any origin, so it needs an allowed azp.
  if (options.carrier === 'cookie' && (parties.length === 0 || typeof azp !== 'string')) return 'azp_mismatch';
  return checkTimeClaims(payload, now, options.clockSkewInMs ?? DEFAULT_CLOCK_SKEW_MS);
}

/** Builds `c.var.auth` with Clerk's own claim mapping (v1 `org_*` and v2 `o` organization claims). */
export function toAuthContext(claims: Record<string, unknown>): SessionAuthContext | AuthFailure {
  let props: ReturnType<typeof clerkAuthProperties>;
  try {
    props = clerkAuthProperties(claims as Parameters<typeof clerkAuthProperties>[0]);
  } catch {
    return 'bad_claims'; // e.g. a malformed `fea`: Clerk signs such a request out too (UnexpectedError).
  }
  // Stricter than Clerk 3.x, which signs a header token without `sid` in: every session token has one.
  if (typeof props.sessionId !== 'string' || props.sessionId === '') return 'missing_session';
  // Clerk's toAuth() default treatPendingAsSignedOut: a session with pending tasks is signed out.
  if (props.sessionStatus === 'pending') return 'pending_session';
  const fva = props.factorVerificationAge as unknown;
  const userId = props.userId as string;
  const orgId = typeof props.orgId === 'string' && props.orgId !== '' ? props.orgId : null;
  return {
    tokenType: 'session_token',
    subject: userId,
    userId,
    sessionId: props.sessionId,
    // As Clerk's has(): a role or permission counts only inside an organization with a non-empty id.
    orgId,
    orgRole: orgId !== null && typeof props.orgRole === 'string' && props.orgRole !== '' ? props.orgRole : null,
    orgPermissions:
      orgId !== null && Array.isArray(props.orgPermissions)
        ? props.orgPermissions.filter((p): p is string => typeof p === 'string')
        : [],
    factorVerificationAge:
      Array.isArray(fva) && fva.length === 2 && fva.every((n) => typeof n === 'number')
        ? (fva as [number, number])
        : null,
    machineId: null,
    scopes: [],
    clientId: null,
    claims,
    expiresAt: claims.exp as number, // checked to be a number by checkClaims
  };
}

/**
 * Verifies a Clerk session token with the rules of @clerk/backend 3.x `authenticateRequest`
 * (`acceptsToken: 'session_token'`), minus handshakes and plus the stricter rules listed in
 * test/auth/differential.test.ts. Pure: key lookup and clock are injected.
 */
export async function verifySessionToken(token: string, options: VerifyOptions): Promise<VerifyResult> {
  if (token === '') return err('missing');
  if (token.length > MAX_TOKEN_LENGTH) return err('too_large');
  const jwt = decodeJwt(token);
  if (!jwt) return err('malformed');
  const headerProblem = checkHeader(jwt);
  if (headerProblem) return err(headerProblem);
  const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined;
  const key = await options.resolveKey(kid);
  if (!key) return err('unknown_kid');
  if (!(await verifyRs256(key, jwt.signature, jwt.signed))) return err('bad_signature');
  const now = (options.now ?? Date.now)();
  const claimProblem = checkClaims(jwt.payload, options, now);
  if (claimProblem) return err(claimProblem);
  const auth = toAuthContext(jwt.payload);
  if (typeof auth === 'string') return err(auth);
  return ok({ auth, expiresAtMs: secondsToMs(jwt.payload.exp as number) });
}
