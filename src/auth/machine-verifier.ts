import { clerkRequest } from '../clerk/backend-api';
import type { Config } from '../env';
import { log } from '../lib/log';
import { OpaqueTokenCache, tokenHash } from './opaque-cache';
import {
  type ClerkPost,
  interpretVerifyResponse,
  type OpaqueResult,
  VERIFY_ENDPOINTS,
  type VerifyUnavailable,
} from './opaque-verify';
import type { OpaqueType } from './token-type';
import { type MachineJwtResult, verifyMachineJwt } from './verify-machine-jwt';
import type { Jwt, KeyResolver } from './verify-session';

export const MACHINE_VERIFY_TIMEOUT_MS = 3_000;
/** A verify response is one resource (< 2 KB); anything larger is not buffered. */
export const MACHINE_VERIFY_MAX_BYTES = 64 * 1024;

export type MachineVerifierOptions = {
  post: ClerkPost;
  secretKey: string | undefined;
  /** Used for `/m2m_tokens/verify` when set (Clerk's `useMachineSecretKey`). */
  machineSecretKey: string | undefined;
  oauthAudience: readonly string[];
  now?: () => number;
  cache?: OpaqueTokenCache;
};

/**
 * Per-isolate verification of machine tokens: JWT forms locally (with the session key source),
 * opaque forms through Clerk's Backend API behind the per-isolate cache and single-flight. Keeps
 * the last Backend API failure for readiness (`secret_key_invalid`, `clerk_unreachable`).
 */
export class MachineVerifier {
  readonly cache: OpaqueTokenCache;
  private readonly now: () => number;
  lastError: { kind: VerifyUnavailable; at: number; status?: number } | undefined;
  /** Backend API calls made by this isolate (readiness and benches read it). */
  calls = 0;

  constructor(private readonly o: MachineVerifierOptions) {
    this.cache = o.cache ?? new OpaqueTokenCache();
    this.now = o.now ?? Date.now;
  }

  verifyJwt(type: 'm2m_token' | 'oauth_token', jwt: Jwt, resolveKey: KeyResolver): Promise<MachineJwtResult> {
    return verifyMachineJwt(type, jwt, { resolveKey, oauthAudience: this.o.oauthAudience, now: this.now() });
  }

  /**
   * The decision for an opaque token. `beforeCall` runs only when this request would make the
   * Backend API call (not cached, none under way): the place for the per-IP verify limiter; it may
   * throw (429) and then no call is made.
   */
  async verifyOpaque(type: OpaqueType, token: string, beforeCall: () => Promise<void>): Promise<OpaqueResult> {
    const hash = `${type}:${await tokenHash(token)}`;
    const cached = this.cache.get(hash, this.now());
    if (cached) return cached;
    if (!this.cache.isInflight(hash)) await beforeCall();
    return this.cache.resolve(hash, this.now, () => this.call(type, token));
  }

  private async call(type: OpaqueType, token: string): Promise<OpaqueResult> {
    const { path, field } = VERIFY_ENDPOINTS[type];
    const key = type === 'm2m_token' ? (this.o.machineSecretKey ?? this.o.secretKey) : this.o.secretKey;
    this.calls++;
    const res = await this.o.post(path, { [field]: token }, key ?? '');
    const result = interpretVerifyResponse(type, res, { now: this.now(), oauthAudience: this.o.oauthAudience });
    this.note(result);
    return result;
  }

  private note(result: OpaqueResult): void {
    if (!result.ok && 'unavailable' in result.error) {
      const { unavailable, status } = result.error;
      if (this.lastError?.kind !== unavailable)
        log('error', 'auth.machine.verify_failed', { kind: unavailable, status });
      this.lastError = { kind: unavailable, at: this.now(), ...(status === undefined ? {} : { status }) };
    } else if (this.lastError) {
      log('info', 'auth.machine.verify_recovered', { previous: this.lastError.kind });
      this.lastError = undefined;
    }
  }
}

/**
 * POST {CLERK_API_URL}{path} through the one Clerk request helper (src/clerk/backend-api.ts):
 * no `/v1` (`skipApiVersionInUrl`), `Clerk-API-Version`, 3 s deadline, 64 KiB cap. A non-2xx is
 * an answer (its status decides), a timeout, network error or oversize body is "unreachable".
 */
function clerkPost(apiUrl: string, fetcher?: typeof fetch): ClerkPost {
  return async (path, body, secretKey) => {
    const res = await clerkRequest(
      { apiUrl, secretKey, ...(fetcher ? { fetch: fetcher } : {}) },
      {
        method: 'POST',
        path,
        body,
        skipApiVersionInUrl: true,
        timeoutMs: MACHINE_VERIFY_TIMEOUT_MS,
        maxBytes: MACHINE_VERIFY_MAX_BYTES,
      },
    );
    if (res.ok) return { kind: 'response', status: 200, body: res.value };
    const { reason, status } = res.error;
    if ((reason === 'http' || reason === 'unauthorized' || reason === 'malformed') && status !== undefined) {
      return { kind: 'response', status, body: null };
    }
    return { kind: 'unreachable' };
  };
}

/**
 * The isolate's machine verifiers, one per configuration, owned by the composition root
 * (`createServices`): a new registry is a cold isolate (empty opaque-token cache).
 */
export class MachineVerifierRegistry {
  private readonly byConfig = new WeakMap<Config, MachineVerifier>();

  constructor(private readonly deps: { now: () => number; fetch: typeof fetch }) {}

  for(config: Config): MachineVerifier {
    let verifier = this.byConfig.get(config);
    if (!verifier) {
      verifier = new MachineVerifier({
        post: clerkPost(config.CLERK_API_URL, this.deps.fetch),
        secretKey: config.CLERK_SECRET_KEY,
        machineSecretKey: config.CLERK_MACHINE_SECRET_KEY,
        oauthAudience: config.CLERK_OAUTH_AUDIENCE,
        now: this.deps.now,
      });
      this.byConfig.set(config, verifier);
    }
    return verifier;
  }
}
