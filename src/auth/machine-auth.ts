import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { clientLimiterKey } from '../rate-limit/limiters';
import { OPAQUE_SUCCESS_TTL_MS } from './opaque-cache';
import type { Recognized } from './token-type';
import type { AuthContext, TokenType } from './types';
import type { MachineData, MachineFailure } from './verify-machine-jwt';

/** Seconds a client should wait after 503 `auth_unavailable` from the Backend API. */
export const MACHINE_RETRY_AFTER_SECONDS = 10;

/**
 * The auth object of a verified machine token, as Clerk's `authenticatedMachineObject` builds it:
 * an API key's subject is a user (`user_…`) or an organization (`org_…`); an M2M token's is the
 * machine; an OAuth token's is the user who granted it, with the OAuth client.
 */
function toMachineAuth(type: Exclude<TokenType, 'session_token'>, data: MachineData, now: number): AuthContext {
  const { subject } = data;
  // A token without expiry is vouched for as long as its verification is cached, no longer.
  const expiresAtMs = data.expiresAtMs ?? now + OPAQUE_SUCCESS_TTL_MS;
  return {
    tokenType: type,
    subject,
    userId: type === 'oauth_token' ? subject : type === 'api_key' && subject.startsWith('user_') ? subject : null,
    sessionId: null,
    orgId: type === 'api_key' && subject.startsWith('org_') ? subject : null,
    orgRole: null,
    orgPermissions: [],
    factorVerificationAge: null,
    machineId: type === 'm2m_token' ? subject : null,
    scopes: data.scopes,
    clientId: type === 'oauth_token' ? data.clientId : null,
    claims: data.claims ?? {},
    expiresAt: Math.floor(expiresAtMs / 1000),
  };
}

/** A machine token refused: mapped to 401 by the caller, the reason logged. */
export class MachineRefusal extends Error {
  constructor(readonly reason: MachineFailure) {
    super(reason);
  }
}

/**
 * Verifies a recognised machine token: JWT forms locally (the session key source: memory → KV →
 * Clerk, or CLERK_JWT_KEY), opaque forms through the Backend API behind the per-isolate cache. A
 * Backend API call is counted first against MACHINE_VERIFY_LIMITER for the client (429 over it, no call),
 * then against the global MACHINE_VERIFY_GLOBAL_LIMITER (503 over it, no call). Throws MachineRefusal (401),
 * AppError 503 `auth_unavailable`, 429 `rate_limited`.
 */
export async function verifyMachineCredential(
  c: Context<AppEnv>,
  recognized: Exclude<Recognized, { type: 'session_token' }>,
  token: string,
) {
  const config = c.get('config');
  const { services } = c.var;
  const machine = services.machineVerifiers.for(config);
  if (recognized.form === 'malformed') throw new MachineRefusal('malformed');
  if (recognized.form === 'jwt') {
    const keys = services.verifiers.for(config);
    const result = await machine.verifyJwt(recognized.type, recognized.jwt, (kid) =>
      keys.resolveKey(kid, c.env.JWKS_CACHE),
    );
    if (!result.ok) throw new MachineRefusal(result.error);
    return toMachineAuth(recognized.type, result.value, services.now());
  }
  const secretKey =
    recognized.type === 'm2m_token'
      ? (config.CLERK_MACHINE_SECRET_KEY ?? config.CLERK_SECRET_KEY)
      : config.CLERK_SECRET_KEY;
  if (!secretKey)
    throw new AppError('misconfigured', {
      detail: { problem: 'no secret key for machine token verification' },
      extra: { missing: ['CLERK_SECRET_KEY'] },
    });
  const client = clientLimiterKey(c);
  const result = await machine.verifyOpaque(recognized.type, token, () =>
    services.rateLimits.spendVerification(c.env, client),
  );
  if (result.ok) return toMachineAuth(recognized.type, result.value, services.now());
  if ('unavailable' in result.error) {
    throw new AppError('auth_unavailable', {
      detail: { kind: result.error.unavailable, tokenType: recognized.type },
      headers: { 'retry-after': String(MACHINE_RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
    });
  }
  throw new MachineRefusal(result.error.reason);
}
