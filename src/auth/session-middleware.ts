import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { factory } from '../lib/factory';
import { log } from '../lib/log';
import { KeysUnavailableError } from './key-cache';
import { verifierFor } from './verifier';
import type { AuthFailure } from './verify-session';

/** Seconds a client should wait after 503 `auth_unavailable` (one refresh cooldown). */
export const AUTH_RETRY_AFTER_SECONDS = 30;

/** The one place a refusal is mapped to the wire: 401 `invalid_token`, the reason only in the log. */
function refuse(c: Context<AppEnv>, reason: AuthFailure, carrier: string): never {
  log('info', 'auth.rejected', { requestId: c.get('requestId'), reason, carrier });
  const config = c.get('config');
  throw new AppError('invalid_token', { extra: { signInUrl: config.CLERK_SIGN_IN_URL, signUpUrl: config.CLERK_SIGN_UP_URL } });
}

/** Throws 503 `misconfigured` when neither a JWT key nor a secret key (for the JWKS) is usable. */
export function assertKeyConfig(c: Context<AppEnv>): void {
  const config = c.get('config');
  // A malformed CLERK_JWT_KEY is never silently replaced by the JWKS; without one, the secret key fetches it.
  // Keys of a test and a live instance fail closed, JWT key or not: 503, never a 401 that signs users out.
  const problems = config.problems.filter(
    (p) => p.name === 'CLERK_JWT_KEY' || p.issue === 'mismatched' || (!config.CLERK_JWT_KEY && p.name === 'CLERK_SECRET_KEY'),
  );
  if (problems.length > 0) throw new AppError('misconfigured', { detail: { problems }, extra: { missing: problems.map((p) => p.name) } });
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

/**
 * Session authentication for `/v1/*`: `Authorization: Bearer <token>`, else the `__session` cookie
 * (only with CLERK_AUTHORIZED_PARTIES set and a matching `azp`). Never a redirect or handshake and
 * never Clerk's `x-clerk-auth-*` headers: a refusal is 401 `invalid_token`, no key is 503.
 */
export const sessionAuth = factory.createMiddleware(async (c, next) => {
  assertKeyConfig(c);
  const config = c.get('config');
  const authorization = c.req.header('authorization');
  let token: string;
  let carrier: 'header' | 'cookie';
  if (authorization !== undefined) {
    carrier = 'header';
    // RFC 6750 §2.1 b64token; two Authorization headers arrive joined by ", " and fail here.
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match?.[1]) refuse(c, 'malformed', carrier);
    token = match[1];
  } else {
    carrier = 'cookie';
    const cookie = getCookie(c, '__session');
    if (!cookie) refuse(c, 'missing', carrier);
    // Stricter than Clerk: a browser sends cookies to any origin's requests, so without an allow-list
    // of authorized parties a cookie is not evidence of which app asked.
    if (config.CLERK_AUTHORIZED_PARTIES.length === 0) refuse(c, 'azp_mismatch', carrier);
    token = cookie;
  }
  const result = await verifierFor(config).verify(token, carrier, c.env.JWKS_CACHE).catch(rethrowKeyError);
  if (!result.ok) refuse(c, result.reason, carrier);
  if (carrier === 'cookie') {
    // As Clerk's authenticateRequestWithTokenInCookie: a cookie session needs an active client
    // (`__client_uat` > 0: 0 or absent means signed out), and a token issued before the client's
    // last sign-in or sign-out is stale. Clerk would handshake; we never do, so both are a 401.
    const clientUat = Number(getCookie(c, '__client_uat') ?? '0');
    if (!(clientUat > 0)) refuse(c, 'client_signed_out', carrier);
    if (Number(result.auth.claims.iat) < clientUat) refuse(c, 'client_signed_out', carrier);
  }
  c.set('auth', result.auth);
  await next();
});
