import type { OpaqueResult } from './opaque-verify';
import type { MachineData } from './verify-machine-jwt';

/** A verified opaque token is trusted for at most this long (Clerk sends no webhook on revocation). */
export const OPAQUE_SUCCESS_TTL_MS = 60_000;
/** A definite 404 is remembered this long, so a repeated unknown key costs one call per 10 s. */
export const OPAQUE_NOT_FOUND_TTL_MS = 10_000;

type Entry = { data: MachineData | null; until: number };

/** A Map used as an LRU: reads move an entry to the end; inserts evict from the front. */
class Lru {
  private readonly map = new Map<string, Entry>();
  constructor(private readonly max: number) {}
  get(key: string, now: number): Entry | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    if (!(now < hit.until)) return undefined;
    this.map.set(key, hit);
    return hit;
  }
  set(key: string, entry: Entry): void {
    this.map.delete(key);
    while (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
    this.map.set(key, entry);
  }
  get size(): number {
    return this.map.size;
  }
}

const encoder = new TextEncoder();

/** Hex SHA-256 of the token: the cache never holds a token, so a heap dump leaks no credential. */
export async function tokenHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(token)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export type OpaqueCacheOptions = { maxEntries?: number; maxNegativeEntries?: number };

/**
 * Per-isolate results of Backend API verifications, keyed by SHA-256 of the token: a success for
 * min(60 s, the token's expiration), a definite 404 for 10 s, nothing else (401/429/5xx, revoked
 * bodies: never). Both tiers are bounded LRUs, separately, so a flood of random keys cannot evict
 * the known-good ones nor grow memory. Concurrent lookups of one uncached token share one call.
 */
export class OpaqueTokenCache {
  private readonly positive: Lru;
  private readonly negative: Lru;
  private readonly inflight = new Map<string, Promise<OpaqueResult>>();

  constructor(options: OpaqueCacheOptions = {}) {
    this.positive = new Lru(options.maxEntries ?? 5_000);
    this.negative = new Lru(options.maxNegativeEntries ?? 1_000);
  }

  /** A remembered decision, or undefined. */
  get(hash: string, now: number): OpaqueResult | undefined {
    const ok = this.positive.get(hash, now);
    if (ok?.data) return { ok: true, value: ok.data };
    if (this.negative.get(hash, now)) return { ok: false, error: { reason: 'not_found', cacheable: true } };
    return undefined;
  }

  /**
   * The decision for `hash`: cached, or joined to the call already under way, or `verify()` once
   * (whose result is then cached as the rules allow). `verify` runs only for the first caller.
   */
  async resolve(hash: string, now: () => number, verify: () => Promise<OpaqueResult>): Promise<OpaqueResult> {
    const cached = this.get(hash, now());
    if (cached) return cached;
    const running = this.inflight.get(hash);
    if (running) return running;
    const call = verify().then((result) => {
      this.remember(hash, result, now());
      return result;
    });
    this.inflight.set(hash, call);
    try {
      return await call;
    } finally {
      this.inflight.delete(hash);
    }
  }

  /** Whether a call for `hash` is under way (a joiner costs no Clerk call and no limiter budget). */
  isInflight(hash: string): boolean {
    return this.inflight.has(hash);
  }

  private remember(hash: string, result: OpaqueResult, now: number): void {
    if (result.ok) {
      const expiry = result.value.expiresAtMs ?? Number.POSITIVE_INFINITY;
      const until = Math.min(now + OPAQUE_SUCCESS_TTL_MS, expiry);
      if (until > now) this.positive.set(hash, { data: Object.freeze(result.value), until });
    } else if ('reason' in result.error && result.error.cacheable)
      this.negative.set(hash, { data: null, until: now + OPAQUE_NOT_FOUND_TTL_MS });
  }

  get size(): { positive: number; negative: number; inflight: number } {
    return { positive: this.positive.size, negative: this.negative.size, inflight: this.inflight.size };
  }
}
