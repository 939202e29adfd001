import type { Context } from 'hono';
import { type AppEnv, problemsFor } from '../env';
import { AppError } from '../errors';
import { readCookie } from '../lib/cookies';
import { log } from '../lib/log';
import { noteRefusal } from '../metrics/record-metrics';
import { clientLimiterKey } from '../rate-limit/limiters';
import { isRevoked, type RevocationMode } from '../revocation/revocation-check';
import { isCsrfSafe } from './csrf';
import { KeysUnavailableError } from './key-cache';
import { MachineRefusal, verifyMachineCredential } from './machine-auth';
import { recognizeToken } from './token-type';
import type { AuthContext, TokenType } from './types';
import type { MachineFailure } from './verify-machine-jwt';
import type { AuthFailure } from './verify-session';

export type { TokenType } from './types';

/** Seconds a client should wait after 503 `auth_unavailable` (one refresh cooldown). */
export const AUTH_RETRY_AFTER_SECONDS = 30;

export type AuthenticateOptions = {
  /** The token types this route accepts; a token of another type is 401 with no call to Clerk. */
  accept: readonly TokenType[];
  /** Return null (instead of 401) when the request carries no credential at all. */
  optional?: boolean;
  /** How revoked sessions are found: this isolate's snapshot (default) or the object itself (`strict`). */
  revocation?: RevocationMode;
};

type Carrier = 'header' | 'cookie';

/** The one place a refusal is mapped to the wire: 401 `invalid_token`, the reason only in the log. */
export function refuse(
  c: Context<AppEnv>,
  reason: AuthFailure | MachineFailure | 'type_not_accepted' | 'revoked',
  carrier: Carrier,
  tokenType: TokenType = 'session_token',
): never {
  // `type`, not `tokenType`: the log redactor drops every field whose name contains "token".
  log('info', 'auth.rejected', { requestId: c.get('requestId'), reason, carrier, type: tokenType });
  noteRefusal(c, reason, tokenType);
  const config = c.get('config');
  throw new AppError('invalid_token', {
    extra: { signInUrl: config.CLERK_SIGN_IN_URL, signUpUrl: config.CLERK_SIGN_UP_URL },
  });
}

/** Throws 503 `misconfigured` when neither a JWT key nor a secret key (for the JWKS) is usable. */
export function assertKeyConfig(c: Context<AppEnv>): void {
  const config = c.get('config');
  // A malformed CLERK_JWT_KEY is never silently replaced by the JWKS; without one, the secret key fetches it.
  // Keys of a test and a live instance fail closed, JWT key or not: 503, never a 401 that signs users out.
  const problems = [
    ...config.problems.filter((p) => p.name === 'CLERK_JWT_KEY' || p.issue === 'mismatched'),
    ...(config.CLERK_JWT_KEY ? [] : problemsFor(config, ['CLERK_SECRET_KEY']).filter((p) => p.issue !== 'mismatched')),
  ];
  if (problems.length > 0)
    throw new AppError('misconfigured', { detail: { problems }, extra: { missing: problems.map((p) => p.name) } });
}

/** Maps "no key obtainable" to 503 `auth_unavailable` (or `misconfigured` for an unusable CLERK_JWT_KEY). */
export function rethrowKeyError(error: unknown): never {
  if (!(error instanceof KeysUnavailableError)) throw error;
  if (error.kind === 'jwt_key_invalid') {
    throw new AppError('misconfigured', {
      detail: { problem: 'CLERK_JWT_KEY is not an RSA public key' },
      extra: { missing: ['CLERK_JWT_KEY'] },
    });
  }
  throw new AppError('auth_unavailable', {
    detail: { kind: error.kind },
    headers: { 'retry-after': String(AUTH_RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
  });
}

/** The credential a request carries: `Authorization` first, else the `__session` cookie; null when none. */
function credentialOf(c: Context<AppEnv>): { carrier: Carrier; token: string } | null {
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    // RFC 6750 §2.1 b64token; two Authorization headers arrive joined by ", " and fail here.
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match?.[1]) refuse(c, 'malformed', 'header');
    return { carrier: 'header', token: match[1] };
  }
  const cookie = readCookie(c.req.header('cookie'), '__session');
  return cookie ? { carrier: 'cookie', token: cookie } : null;
}

/**
 * Authenticates the request with the accepted token types (used by `/v1/*` and by gateway routes).
 * Session tokens come from `Authorization: Bearer <token>`, else the `__session` cookie (only with
 * CLERK_AUTHORIZED_PARTIES set and a matching `azp`, and for unsafe methods an `Origin` among them:
 * `isCsrfSafe`, 403 `forbidden`); machine tokens only from the header, as in Clerk. The type is
 * recognised first (token-type.ts), so a type the route does not accept costs nothing. A client IP
 * over AUTH_FAILURE_LIMITER is refused (429) before any verification work, and each refused
 * credential counts against it. Never a redirect or handshake and never Clerk's `x-clerk-auth-*`
 * headers. Throws AppError: 401 `invalid_token`, 403 `forbidden` (CSRF), 429 `rate_limited`, 503
 * `auth_unavailable`/`misconfigured`. Returns null only when `optional` is set and the request
 * carries no credential at all.
 */
export async function authenticate(c: Context<AppEnv>, opts: AuthenticateOptions): Promise<AuthContext | null> {
  if (opts.optional && c.req.header('authorization') === undefined && !readCookie(c.req.header('cookie'), '__session'))
    return null;
  assertKeyConfig(c);
  if (c.req.header('authorization') === undefined && !readCookie(c.req.header('cookie'), '__session'))
    refuse(c, 'missing', 'cookie');
  // No credential costs nothing and is not counted; a presented one that fails is.
  const client = clientLimiterKey(c);
  const { rateLimits } = c.get('services');
  rateLimits.assertNotPenalised(client);
  try {
    return await verifyCredential(c, opts);
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid_token') await rateLimits.countFailure(c.env, client);
    throw error;
  }
}

async function verifyCredential(c: Context<AppEnv>, opts: AuthenticateOptions): Promise<AuthContext> {
  const credential = credentialOf(c);
  if (credential === null) refuse(c, 'missing', 'cookie');
  const { carrier, token } = credential;
  // Machine JWTs are told apart only by decoding; a route without them skips that (the session
  // verifier refuses machine JWTs itself), so the session hot path decodes nothing extra.
  const recognized = recognizeToken(token, {
    jwt: opts.accept.includes('m2m_token') || opts.accept.includes('oauth_token'),
  });
  if (!opts.accept.includes(recognized.type)) refuse(c, 'type_not_accepted', carrier, recognized.type);
  if (recognized.type !== 'session_token') {
    // Clerk reads machine tokens from the Authorization header only.
    if (carrier === 'cookie') refuse(c, 'type_not_accepted', carrier, recognized.type);
    try {
      return await verifyMachineCredential(c, recognized, token);
    } catch (error) {
      if (error instanceof MachineRefusal) refuse(c, error.reason, carrier, recognized.type);
      return rethrowKeyError(error);
    }
  }
  const config = c.get('config');
  // Stricter than Clerk: a browser sends cookies to any origin's requests, so without an allow-list
  // of authorized parties a cookie is not evidence of which app asked.
  if (carrier === 'cookie' && config.CLERK_AUTHORIZED_PARTIES.length === 0) refuse(c, 'azp_mismatch', carrier);
  // CSRF: checked before any verification work, so a cross-site request executes nothing.
  if (carrier === 'cookie' && !isCsrfSafe(c.req.method, c.req.raw.headers, config.CLERK_AUTHORIZED_PARTIES)) {
    log('warn', 'auth.csrf_refused', {
      requestId: c.get('requestId'),
      method: c.req.method,
      origin: c.req.header('origin') ?? null,
      secFetchSite: c.req.header('sec-fetch-site') ?? null,
    });
    noteRefusal(c, 'csrf', 'session_token');
    throw new AppError('forbidden', { message: 'Cross-site request refused.' });
  }
  const verifier = c.get('services').verifiers.for(config);
  const result = await verifier.verify(token, carrier, c.env.JWKS_CACHE).catch(rethrowKeyError);
  if (!result.ok) refuse(c, result.error, carrier);
  if (carrier === 'cookie') {
    // As Clerk's authenticateRequestWithTokenInCookie: a cookie session needs an active client
    // (`__client_uat` > 0: 0 or absent means signed out), and a token issued before the client's
    // last sign-in or sign-out is stale. Clerk would handshake; we never do, so both are a 401.
    const clientUat = Number(readCookie(c.req.header('cookie'), '__client_uat') ?? '0');
    if (!(clientUat > 0)) refuse(c, 'client_signed_out', carrier);
    if (Number(result.value.auth.claims.iat) < clientUat) refuse(c, 'client_signed_out', carrier);
  }
  // A step after the (pure) verification: a revoked session is refused like an expired token.
  if (await isRevoked(c, result.value.auth, opts.revocation ?? 'snapshot')) refuse(c, 'revoked', carrier);
  return result.value.auth;
}
