import type { AuthContext } from '../auth/types';
import { encodeBase64Url } from '../lib/base64url';
import type { SigningKey } from './signing-keys';

/** `typ` of the edge's identity assertion (RFC 8725 §3.11: explicit typing). */
export const ASSERTION_TYP = 'fulcrum-assertion+jwt';
/** An assertion lives at most this long: it is minted per request and checked at once. */
export const ASSERTION_MAX_TTL_SECONDS = 60;

const encoder = new TextEncoder();

const json64 = (value: unknown) => encodeBase64Url(JSON.stringify(value));

export type AssertionInput = {
  auth: AuthContext;
  tenantId: string | null;
  issuer: string;
  audience: string;
  /** Seconds. */
  now: number;
};

/**
 * The assertion's `iss`: EDGE_ISSUER; without it, the request's origin only in local development. In staging
 * and production it is required (null here ⇒ 503 `misconfigured`): the request's `Host` is the client's to
 * choose, and `Host: evil.example` must never become an edge-signed `"iss":"http://evil.example"`.
 */
export function assertionIssuer(
  config: { ENVIRONMENT: string; EDGE_ISSUER?: string | undefined },
  requestOrigin: () => string,
): string | null {
  if (config.EDGE_ISSUER) return config.EDGE_ISSUER;
  return config.ENVIRONMENT === 'development' ? requestOrigin() : null;
}

/**
 * Clerk's impersonation claim (`act`: the actor, e.g. `{ sub: "user_…" }`), carried as it came when an object, and
 * only from a session token: Clerk sets `act` there when an admin impersonates a user. A machine token's claims are
 * whatever its creator chose (an M2M token's or API key's custom claims), so an `act` in them is never an actor.
 */
function actorOf(auth: AuthContext): Record<string, unknown> | null {
  if (auth.tokenType !== 'session_token') return null;
  const act = auth.claims.act;
  return act !== null && typeof act === 'object' && !Array.isArray(act) ? (act as Record<string, unknown>) : null;
}

/**
 * The assertion's claims (DESIGN.md "Gateway"); absent values are null, never guessed. Never outlives the
 * credential it was derived from, and never signed already expired: a token accepted inside the verifier's clock
 * skew but past its `exp` (so `exp` ≤ `iat`) gets none: null, which the gateway answers 401 `invalid_token` (the
 * client refreshes it), rather than a lifetime clamped to what the credential no longer has.
 */
export function assertionClaims({
  auth,
  tenantId,
  issuer,
  audience,
  now,
}: AssertionInput): Record<string, unknown> | null {
  const exp = Math.min(now + ASSERTION_MAX_TTL_SECONDS, Math.floor(auth.expiresAt));
  if (exp <= now) return null;
  return {
    iss: issuer,
    aud: audience,
    sub: auth.subject,
    sid: auth.sessionId,
    tid: tenantId,
    org_id: auth.orgId,
    org_role: auth.orgRole,
    org_permissions: auth.orgPermissions,
    token_type: auth.tokenType,
    machine_id: auth.machineId,
    scopes: auth.scopes,
    act: actorOf(auth),
    iat: now,
    nbf: now,
    exp,
    jti: crypto.randomUUID(),
  };
}

// The protected header depends on the key alone: encoded once per key.
const headers = new WeakMap<SigningKey, string>();
function headerOf(key: SigningKey): string {
  let header = headers.get(key);
  if (header === undefined) {
    header = json64({ alg: key.alg, kid: key.kid, typ: ASSERTION_TYP });
    headers.set(key, header);
  }
  return header;
}

/** Signs a compact JWS (RFC 7515) over the claims: EdDSA for an Ed25519 key, ES256 (raw r‖s) for P-256. */
export async function signAssertion(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  const input = `${headerOf(key)}.${json64(claims)}`;
  const algorithm = key.alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const signature = await crypto.subtle.sign(algorithm, key.key, encoder.encode(input));
  return `${input}.${encodeBase64Url(signature)}`;
}
