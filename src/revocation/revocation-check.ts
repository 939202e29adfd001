import type { Context } from 'hono';
import type { AuthContext } from '../auth/types';
import type { AppEnv, Bindings } from '../env';
import { AppError } from '../errors';
import { log } from '../lib/log';
import type { DenyEntry, DenyQuery } from './deny-rule';
import type { DenySnapshot } from './deny-snapshot';
import type { RefreshSettings } from './revocation-state';
import { withTimeout } from './revocation-state';
import type { Revocations, RevokeResult } from './revocations-object';

/** The one deny-set object of an environment. */
export const REVOCATIONS_OBJECT = 'global';
/** A strict route waits at most this long for the object (then 503 `auth_unavailable`). */
export const STRICT_TIMEOUT_MS = 2_000;
/** Seconds a client should wait after a 503 caused by the revocation store. */
export const REVOCATION_RETRY_AFTER_SECONDS = 5;

/** How a route checks revocations: the isolate's snapshot (default), or the object itself (`strict`). */
export type RevocationMode = 'snapshot' | 'strict';

/** The object's RPC surface as the Worker uses it (typed here: RPC stubs erase tuple types). */
type RevocationsStub = {
  revoke(entries: readonly DenyEntry[]): Promise<RevokeResult>;
  snapshot(now: number): Promise<DenySnapshot>;
  check(query: DenyQuery, now: number): Promise<boolean>;
  stats(): Promise<{ version: number; entries: number }>;
};

/** The `REVOCATIONS` object, or undefined when the binding is missing. */
export function revocationsOf(env: Pick<Bindings, 'REVOCATIONS'>): RevocationsStub | undefined {
  const ns = env.REVOCATIONS as DurableObjectNamespace<Revocations> | undefined;
  return ns ? (ns.getByName(REVOCATIONS_OBJECT) as unknown as RevocationsStub) : undefined;
}

/** Writes deny entries (webhooks, admin, replays); undefined without the binding. Throws when the object fails. */
export function revocationWriter(
  env: Pick<Bindings, 'REVOCATIONS'>,
): ((entries: readonly DenyEntry[]) => Promise<void>) | undefined {
  const stub = revocationsOf(env);
  if (!stub) return undefined;
  return async (entries) => {
    const result = await withTimeout(stub.revoke(entries), STRICT_TIMEOUT_MS);
    if (!result.ok) throw new Error(`revocation store refused the write: ${result.error}`);
  };
}

function unavailable(detail: Record<string, unknown>): AppError {
  return new AppError('auth_unavailable', {
    detail: { check: 'revocation', ...detail },
    headers: { 'retry-after': String(REVOCATION_RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
  });
}

function waitUntilOf(c: Context<AppEnv>): RefreshSettings['waitUntil'] {
  try {
    const ctx = c.executionCtx;
    return (work) => ctx.waitUntil(work);
  } catch {
    // No execution context (an app called directly, as in tests): the work runs on, unawaited.
    return (work) => void work.catch(() => undefined);
  }
}

/**
 * Whether a verified credential is revoked (a step after verification, which stays pure). Only session
 * tokens are: machine tokens are revoked at Clerk and checked there. `snapshot` reads this isolate's copy
 * (no call to the object on the request path; a failing object is logged, never a refusal); `strict` asks
 * the object and answers 503 `auth_unavailable` when it cannot.
 */
export async function isRevoked(c: Context<AppEnv>, auth: AuthContext, mode: RevocationMode): Promise<boolean> {
  if (auth.tokenType !== 'session_token' || auth.sessionId === null || auth.userId === null) return false;
  const query: DenyQuery = { sessionId: auth.sessionId, userId: auth.userId, issuedAt: Number(auth.claims.iat) };
  const stub = revocationsOf(c.env);
  const services = c.get('services');
  if (!stub) {
    if (mode === 'strict') throw unavailable({ reason: 'no REVOCATIONS binding' });
    return false;
  }
  if (mode === 'strict') {
    try {
      return await withTimeout(stub.check(query, services.now()), STRICT_TIMEOUT_MS);
    } catch (error) {
      log('error', 'revocation.strict_unavailable', { requestId: c.get('requestId'), error });
      throw unavailable({ reason: 'object unreachable' });
    }
  }
  const config = c.get('config');
  return services.revocations.isDenied(query, {
    refreshMs: config.REVOCATION_REFRESH_MS,
    source: stub,
    scope: config.ENVIRONMENT,
    waitUntil: waitUntilOf(c),
  });
}
