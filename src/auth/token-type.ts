import type { TokenType } from './types';
import { decodeJwt, isMachineSubject, isOAuthAccessTokenType, type Jwt, MAX_TOKEN_LENGTH } from './verify-session';

export const TOKEN_TYPES: readonly TokenType[] = ['session_token', 'api_key', 'm2m_token', 'oauth_token'];

/** An opaque machine token, verified by Clerk's Backend API. */
export type OpaqueType = 'api_key' | 'm2m_token' | 'oauth_token';

/**
 * What a bearer credential is, decided before anything costs (no key lookup, no RSA, no Clerk call):
 * a JWT form (decoded, unverified) or an opaque form whose shape is plausible. `malformed` is a
 * credential whose type is known (by prefix) but whose shape no Clerk token has: refused locally.
 */
export type Recognized =
  | { type: 'session_token'; form: 'jwt'; jwt: Jwt | null }
  | { type: 'm2m_token' | 'oauth_token'; form: 'jwt'; jwt: Jwt }
  | { type: OpaqueType; form: 'opaque' }
  | { type: OpaqueType; form: 'malformed' };

// Clerk's prefixes (@clerk/backend src/tokens/machine.ts); its JWT markers are verify-session.ts's.
const M2M_TOKEN_PREFIX = 'mt_';
const OAUTH_TOKEN_PREFIX = 'oat_';
const API_KEY_PREFIX = 'ak_';

/**
 * Shape of an opaque machine token after its prefix: RFC 6750 b64token characters without `.` (a
 * dot means a JWT, which no opaque form is), as Clerk's own fixtures (`ak_…/…=`, `mt_…`) are. Real
 * secrets are 32+ characters; 16–256 leaves room while keeping garbage and floods off Clerk's API.
 */
const OPAQUE_BODY = /^[A-Za-z0-9_~+/-]{16,256}={0,2}$/;

function opaque(type: OpaqueType, body: string): Recognized {
  return OPAQUE_BODY.test(body) ? { type, form: 'opaque' } : { type, form: 'malformed' };
}

/**
 * Recognises a bearer token in Clerk's order (`getMachineTokenType` after `isMachineToken`): `mt_` or
 * an M2M JWT (`sub` starting `mch_`), then `oat_` or an OAuth JWT (header `typ` `at+jwt`), then `ak_`;
 * anything else is a session token candidate.
 */
export function recognizeToken(token: string, options: { jwt?: boolean } = {}): Recognized {
  if (token.startsWith(M2M_TOKEN_PREFIX)) return opaque('m2m_token', token.slice(M2M_TOKEN_PREFIX.length));
  // Only plausible JWTs are decoded (the session verifier caps them at 8 KiB the same way); with
  // `jwt: false` nothing is decoded and machine JWTs pass as session candidates (which refuse them).
  const jwt = options.jwt !== false && token.length <= MAX_TOKEN_LENGTH ? decodeJwt(token) : null;
  if (jwt && isMachineSubject(jwt.payload.sub)) return { type: 'm2m_token', form: 'jwt', jwt };
  if (token.startsWith(OAUTH_TOKEN_PREFIX)) return opaque('oauth_token', token.slice(OAUTH_TOKEN_PREFIX.length));
  if (jwt && isOAuthAccessTokenType(jwt.header.typ)) return { type: 'oauth_token', form: 'jwt', jwt };
  if (token.startsWith(API_KEY_PREFIX)) return opaque('api_key', token.slice(API_KEY_PREFIX.length));
  return { type: 'session_token', form: 'jwt', jwt };
}
