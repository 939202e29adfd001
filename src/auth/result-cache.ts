import type { VerifyResult } from './verify-session';

type Verified = Extract<VerifyResult, { ok: true }>;

/** Only ordinary-sized tokens are remembered, so the cache's memory stays bounded (entries × size). */
const MAX_CACHED_TOKEN_LENGTH = 4_096;

/**
 * Bounded per-isolate cache of verified tokens, keyed by the exact token string and honoured only
 * until the token's `exp`: a token sent again (Clerk's last 60 s and are re-sent on every request)
 * skips the RSA work. Failures are not cached. Eviction is oldest-first (Map insertion order).
 */
export class ResultCache {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly maxEntries = 1_000) {}

  get(key: string, now: number): Verified | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (!(now < hit.value.expiresAtMs)) {
      this.entries.delete(key);
      return undefined;
    }
    return hit;
  }

  set(key: string, result: Verified, now: number): void {
    // NaN (an `exp` beyond Date's range) or an already-past exp is never cached.
    if (key.length > MAX_CACHED_TOKEN_LENGTH || !(result.value.expiresAtMs > now)) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    Object.freeze(result.value.auth); // shared by every request that presents this token
    this.entries.set(key, result);
  }

  /** Forgets every result (a signing key was removed: its tokens must be verified again, and fail). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
