import type { FetchJwksResult, Jwk, RefreshErrorKind } from '../clerk/jwks';
import type { LogFields } from '../lib/log';
import { importRs256Jwk } from '../lib/rs256';

/** The slice of a KV namespace the cache uses (injected, so the core is testable without Workers). */
export type KvLike = {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
};

/** Where the key set answering a lookup came from (`/health/ready` reports it). */
export type KeySource = 'jwt_key' | 'memory' | 'kv' | 'clerk';

/** What KV holds under `jwks:v1:{scope}` (docs/kv-schema.md). */
export type StoredKeySet = { keys: Jwk[]; fetchedAt: number };

export type KeyCacheOptions = {
  /** Distinguishes Clerk instances sharing a namespace (the API URL's host and path). */
  scope: string;
  fetchJwks: () => Promise<FetchJwksResult>;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', event: string, fields: LogFields) => void;
  /** Called when an adopted key set drops a kid this isolate knew (revocation must reach cached results). */
  onKeysRemoved?: (kids: string[]) => void;
  /** How long an isolate trusts its in-memory key set before looking at KV again. */
  memoryTtlMs?: number;
  /** How old a key set in KV may be before an isolate asks Clerk for a newer one. */
  kvFreshMs?: number;
  /** At most one Clerk refresh per this window, per isolate and (via KV) across isolates. */
  cooldownMs?: number;
  /** KV expiry of the key set: long enough to ride out a long Clerk outage (stale-if-error). */
  kvTtlSeconds?: number;
};

/** No key set could be obtained (Clerk failing and nothing cached): 503 `auth_unavailable`. */
export class KeysUnavailableError extends Error {
  constructor(readonly kind: RefreshErrorKind | 'cooldown' | 'jwt_key_invalid') {
    super(`no signing keys available (${kind})`);
    this.name = 'KeysUnavailableError';
  }
}

export const MEMORY_TTL_MS = 5 * 60_000;
export const KV_FRESH_MS = 60 * 60_000;
export const REFRESH_COOLDOWN_MS = 30_000;
export const KV_TTL_SECONDS = 7 * 24 * 3600;

function isStoredKeySet(v: unknown): v is StoredKeySet {
  const s = v as StoredKeySet | null;
  return !!s && Array.isArray(s.keys) && s.keys.length > 0 && typeof s.fetchedAt === 'number';
}

/**
 * Clerk's signing keys, cached memory → KV → Clerk. The hot path touches no I/O: memory answers for
 * `memoryTtlMs`, then one KV read refills it. Clerk is asked only when KV's copy is missing or older
 * than `kvFreshMs`, or for an unknown `kid`, at most once per cooldown, coordinated through a KV
 * lock so a flood of random kids cannot amplify into Clerk calls. A failed refresh keeps serving
 * the last good set (stale-if-error); an error response is never cached.
 */
export class KeyCache {
  private set: { keys: Map<string, Jwk>; fetchedAt: number; freshUntil: number } | undefined;
  private readonly imported = new Map<string, { n: string; key: Promise<CryptoKey> }>();
  private inflight: Promise<unknown> | undefined;
  private nextRefreshAt = 0;
  private kvFailing = false;
  lastError: { kind: RefreshErrorKind; at: number } | undefined;
  servingStale = false;
  private readonly o: Required<Omit<KeyCacheOptions, 'log' | 'onKeysRemoved'>> &
    Pick<KeyCacheOptions, 'log' | 'onKeysRemoved'>;

  constructor(options: KeyCacheOptions) {
    this.o = {
      now: Date.now,
      memoryTtlMs: MEMORY_TTL_MS,
      kvFreshMs: KV_FRESH_MS,
      cooldownMs: REFRESH_COOLDOWN_MS,
      kvTtlSeconds: KV_TTL_SECONDS,
      ...options,
    };
  }

  private get setKey() {
    return `jwks:v1:${this.o.scope}`;
  }
  private get lockKey() {
    return `jwks:v1:${this.o.scope}:refresh`;
  }

  /** The verification key for `kid`; null when the kid is unknown even after a (rate-limited) refresh. */
  async getKey(kid: string | undefined, kv: KvLike): Promise<CryptoKey | null> {
    // Clerk's loadClerkJWKFromRemote looks keys up by kid; a token without one matches nothing.
    if (kid === undefined) return null;
    await this.ensureLoaded(kv);
    if (!this.set?.keys.has(kid)) await this.refreshForUnknownKid(kv);
    const jwk = this.set?.keys.get(kid);
    return jwk ? this.importKey(jwk) : null;
  }

  /** The current public key set (for the JWKS mirror); throws KeysUnavailableError when none. */
  async getKeys(kv: KvLike): Promise<{ keys: Jwk[]; source: KeySource; fetchedAt: number }> {
    const source = await this.ensureLoaded(kv);
    const set = this.set!;
    return { keys: [...set.keys.values()], source, fetchedAt: set.fetchedAt };
  }

  /** Loads the key set into memory if it is not fresh there; returns the tier that answered. */
  async ensureLoaded(kv: KvLike): Promise<KeySource> {
    if (this.set && this.o.now() < this.set.freshUntil) return 'memory';
    if (this.inflight) {
      await this.inflight;
      if (this.set) return 'memory';
    }
    const load = this.load(kv);
    this.inflight = load;
    try {
      return await load;
    } finally {
      if (this.inflight === load) this.inflight = undefined;
    }
  }

  private async load(kv: KvLike): Promise<KeySource> {
    const now = this.o.now();
    const stored = await this.kvGet(kv, this.setKey);
    if (isStoredKeySet(stored) && now - stored.fetchedAt < this.o.kvFreshMs) {
      this.adopt(stored, now + this.o.memoryTtlMs, false);
      return 'kv';
    }
    if (await this.refresh(kv, this.set !== undefined || isStoredKeySet(stored))) return 'clerk';
    // Another isolate refreshed within the cooldown and its newer set was adopted from KV.
    if (this.set && now - this.set.fetchedAt < this.o.kvFreshMs && this.o.now() < this.set.freshUntil) return 'kv';
    // Stale-if-error: the newest set we have, retried after the cooldown.
    const fallback = isStoredKeySet(stored) && stored.fetchedAt >= (this.set?.fetchedAt ?? 0) ? stored : undefined;
    if (fallback) this.adopt(fallback, now + this.o.cooldownMs, true);
    else if (this.set) {
      this.set.freshUntil = now + this.o.cooldownMs;
      this.markStale(true);
    } else throw new KeysUnavailableError(this.lastError?.kind ?? 'cooldown');
    return isStoredKeySet(stored) ? 'kv' : 'memory';
  }

  private async refreshForUnknownKid(kv: KvLike): Promise<void> {
    if (this.inflight) {
      await this.inflight; // a refresh is under way: its keys may include the kid
      return;
    }
    const refresh = this.refresh(kv, true);
    this.inflight = refresh;
    try {
      await refresh;
    } finally {
      if (this.inflight === refresh) this.inflight = undefined;
    }
  }

  /**
   * Asks Clerk for the key set, unless this isolate or (when `coordinate`) another one did so within
   * the cooldown, in which case KV's copy is re-read instead. Returns true when a set from Clerk was adopted.
   */
  private async refresh(kv: KvLike, coordinate: boolean): Promise<boolean> {
    const now = this.o.now();
    if (now < this.nextRefreshAt) return false;
    this.nextRefreshAt = now + this.o.cooldownMs;
    if (coordinate) {
      const lock = (await this.kvGet(kv, this.lockKey)) as { until?: unknown } | null;
      if (lock && typeof lock.until === 'number' && lock.until > now) {
        const stored = await this.kvGet(kv, this.setKey);
        if (isStoredKeySet(stored) && stored.fetchedAt > (this.set?.fetchedAt ?? 0))
          this.adopt(stored, now + this.o.memoryTtlMs, false);
        return false;
      }
      // KV's minimum expirationTtl is 60 s, so the lock carries its own 30 s deadline.
      await this.kvPut(kv, this.lockKey, { until: now + this.o.cooldownMs }, 60);
    }
    const result = await this.o.fetchJwks();
    if (!result.ok) {
      if (this.lastError?.kind !== result.kind)
        this.o.log?.('error', 'auth.keys.refresh_failed', { kind: result.kind, status: result.status });
      this.lastError = { kind: result.kind, at: now };
      // Whatever we still serve could not be confirmed with Clerk: readiness reports it as stale.
      if (this.set) this.markStale(true);
      return false;
    }
    if (this.lastError) this.o.log?.('info', 'auth.keys.refresh_recovered', { previous: this.lastError.kind });
    this.lastError = undefined;
    const stored: StoredKeySet = { keys: result.keys, fetchedAt: now };
    this.adopt(stored, now + this.o.memoryTtlMs, false);
    await this.kvPut(kv, this.setKey, stored, this.o.kvTtlSeconds);
    return true;
  }

  private adopt(stored: StoredKeySet, freshUntil: number, stale: boolean): void {
    const previous = this.set;
    const before = previous ? [...previous.keys.keys()].sort().join(',') : '';
    const keys = new Map(stored.keys.map((k) => [k.kid, k]));
    this.set = { keys, fetchedAt: stored.fetchedAt, freshUntil };
    for (const [kid, entry] of this.imported) if (keys.get(kid)?.n !== entry.n) this.imported.delete(kid);
    const after = [...keys.keys()].sort().join(',');
    if (after !== before)
      this.o.log?.('info', 'auth.keys.loaded', { kids: [...keys.keys()], fetchedAt: stored.fetchedAt });
    // A removed (or re-keyed) kid: tokens verified with it must not keep being accepted from a cache.
    const removed = previous
      ? [...previous.keys.values()].filter((k) => keys.get(k.kid)?.n !== k.n).map((k) => k.kid)
      : [];
    if (removed.length > 0) this.o.onKeysRemoved?.(removed);
    this.markStale(stale);
  }

  private markStale(stale: boolean): void {
    if (stale !== this.servingStale)
      this.o.log?.(stale ? 'warn' : 'info', stale ? 'auth.keys.serving_stale' : 'auth.keys.fresh', {});
    this.servingStale = stale;
  }

  /** Imports each key once per isolate (and again only if its modulus changes under the same kid). */
  private importKey(jwk: Jwk): Promise<CryptoKey | null> {
    let entry = this.imported.get(jwk.kid);
    if (!entry || entry.n !== jwk.n) {
      const key = importRs256Jwk(jwk);
      entry = { n: jwk.n, key };
      this.imported.set(jwk.kid, entry);
    }
    return entry.key.catch(() => null);
  }

  private async kvGet(kv: KvLike, key: string): Promise<unknown> {
    try {
      const value = await kv.get(key, 'json');
      this.kvHealthy();
      return value;
    } catch (error) {
      this.kvFailed('get', error);
      return null;
    }
  }

  private async kvPut(kv: KvLike, key: string, value: unknown, ttl: number): Promise<void> {
    try {
      await kv.put(key, JSON.stringify(value), { expirationTtl: ttl });
      this.kvHealthy();
    } catch (error) {
      this.kvFailed('put', error);
    }
  }

  private kvFailed(op: string, error: unknown) {
    if (!this.kvFailing) this.o.log?.('error', 'auth.keys.kv_failed', { op, error });
    this.kvFailing = true;
  }

  private kvHealthy() {
    if (this.kvFailing) this.o.log?.('info', 'auth.keys.kv_recovered', {});
    this.kvFailing = false;
  }
}
