import type { Logger } from '../lib/log';
import { type DenyLookup, type DenyQuery, isDenied } from './deny-rule';
import { type DenySnapshot, lookupOf, parseSnapshot } from './deny-snapshot';

/** Where the snapshot comes from when the colo's cached copy is stale: the `REVOCATIONS` object. */
export type SnapshotSource = { snapshot(now: number): Promise<DenySnapshot> };
/** The part of the Cache API used (`caches.default`; a counted stub in tests and the bench). */
export type CacheLike = {
  match(key: string): Promise<Response | undefined>;
  put(key: string, response: Response): Promise<void>;
};

/** Per request: the interval, the object, the cache scope, and how to run work after the response. */
export type RefreshSettings = {
  /** REVOCATION_REFRESH_MS: a revocation is refused everywhere at most this long after it is written. */
  refreshMs: number;
  source: SnapshotSource;
  /** Part of the cache key: environments sharing a zone (and so `caches.default`) never share a snapshot. */
  scope: string;
  waitUntil: (work: Promise<unknown>) => void;
};

export type RevocationStateDeps = {
  now: () => number;
  log: Logger;
  /** Default: `caches.default` where the runtime has it. */
  cache?: () => CacheLike | undefined;
  /** This isolate's place in [0, 1) among its colo's isolates (default random): spreads who refreshes. */
  jitter?: number;
};

/** Bounds on the waits this module allows itself (never a wall-clock promise to a client). */
export const COLD_WAIT_MS = 500;
export const SOURCE_TIMEOUT_MS = 3_000;

const VERSION = 'x-revocations-version';
const FETCHED_AT = 'x-revocations-fetched-at';
const LEASE = 'x-revocations-lease';

export function snapshotCacheKey(scope: string): string {
  return `https://revocations.fulcrum.internal/${encodeURIComponent(scope)}/snapshot`;
}

function cached(body: string, headers: Record<string, string>, refreshMs: number): Response {
  // Kept a little past its freshness so a stale copy can be served while one isolate refreshes it.
  const maxAge = Math.max(1, Math.ceil((2 * refreshMs) / 1000));
  return new Response(body, {
    headers: { 'content-type': 'application/json', 'cache-control': `max-age=${maxAge}`, ...headers },
  });
}

export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The interval R (REVOCATION_REFRESH_MS) split so that an entry reaches every isolate within R: an isolate
 * refreshes at most every R/4 (after a request, in `waitUntil`); the colo's cached copy counts as fresh for
 * R/2 plus this isolate's jitter (< R/4). The isolate that first finds it older claims the refresh with a
 * lease (valid R/4) and reads the object; the jitter spreads the isolates' thresholds so that few of them
 * find the copy stale in the same few milliseconds. Worst case: R/2 + R/4 (cache) + R/4 (isolate) = R.
 */
export function refreshTimings(refreshMs: number, jitter: number) {
  return { isolateMs: refreshMs / 4, freshMs: refreshMs / 2 + (jitter * refreshMs) / 4, leaseMs: refreshMs / 4 };
}

/**
 * This isolate's copy of the deny set (docs/revocation.md). The request path only looks it up; it is
 * refreshed after a response from the colo's copy in the Cache API, and only by about one isolate per colo
 * per R/2 from the Durable Object (refreshTimings), which then re-fills the cache.
 */
export class RevocationState {
  private snapshot: DenySnapshot | null = null;
  private lookup: DenyLookup = () => undefined;
  private size = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastSuccessAt: number | null = null;
  private lastError: { at: number; message: string } | null = null;
  private inflight: Promise<void> | null = null;
  /** Counters for readiness, tests and the bench. */
  readonly counts = { sourceReads: 0, cacheReads: 0, refreshes: 0 };

  private readonly jitter: number;

  constructor(private readonly deps: RevocationStateDeps) {
    this.jitter = Math.min(Math.max(deps.jitter ?? Math.random(), 0), 0.999);
  }

  /**
   * Whether the token is refused by this isolate's copy. A busy isolate never waits (its copy is refreshed after
   * responses, every R/4). A cold isolate, or one idle so long that its copy is older than R/2 (it could miss an
   * entry written more than R ago), waits for a newer copy (the colo's cached one when there is one) at most
   * COLD_WAIT_MS, then goes on with what it has.
   */
  async isDenied(query: DenyQuery, settings: RefreshSettings): Promise<boolean> {
    const age = this.lastSuccessAt === null ? Number.POSITIVE_INFINITY : this.deps.now() - this.lastSuccessAt;
    const timings = refreshTimings(settings.refreshMs, this.jitter);
    // While the source fails, only one request per R/4 waits (the one that retries), not every request.
    const retryDue = this.deps.now() - this.lastAttemptAt >= timings.isolateMs;
    if (this.snapshot === null || (age > settings.refreshMs / 2 && retryDue)) {
      await Promise.race([this.refresh(settings), new Promise((r) => setTimeout(r, COLD_WAIT_MS))]);
    } else if (this.inflight === null && retryDue) {
      settings.waitUntil(this.refresh(settings));
    }
    return isDenied(this.lookup, query, this.deps.now());
  }

  /** Refreshes now (single flight per isolate); never throws: a failure is logged and kept for readiness. */
  refresh(settings: RefreshSettings): Promise<void> {
    this.inflight ??= this.load(settings)
      .catch((error: unknown) => {
        this.lastError = { at: this.deps.now(), message: error instanceof Error ? error.message : String(error) };
        this.deps.log('warn', 'revocation.refresh_failed', { error, entries: this.size });
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** For readiness: the copy's version, size, age and the last failure (degraded while failing). */
  health(refreshMs: number) {
    const now = this.deps.now();
    const failing = this.lastError !== null && (this.lastSuccessAt === null || this.lastError.at >= this.lastSuccessAt);
    return {
      status: failing ? ('degraded' as const) : ('ok' as const),
      version: this.snapshot?.version ?? null,
      entries: this.size,
      truncated: this.snapshot?.truncated ?? false,
      ageMs: this.lastSuccessAt === null ? null : now - this.lastSuccessAt,
      refreshMs,
      lastError: this.lastError === null ? null : { ageMs: now - this.lastError.at, message: this.lastError.message },
    };
  }

  private adopt(snapshot: DenySnapshot): void {
    if (this.snapshot?.version !== snapshot.version) {
      const { lookup, size } = lookupOf(snapshot);
      this.lookup = lookup;
      this.size = size;
      if (snapshot.truncated) this.deps.log('warn', 'revocation.snapshot_truncated', { entries: size });
    }
    this.snapshot = snapshot;
    this.lastSuccessAt = this.deps.now();
  }

  private async load(settings: RefreshSettings): Promise<void> {
    const now = this.deps.now();
    this.lastAttemptAt = now;
    this.counts.refreshes++;
    const cache = this.cacheOrUndefined();
    const key = snapshotCacheKey(settings.scope);
    const hit = cache ? await cache.match(key).catch(() => undefined) : undefined;
    let staleBody = '';
    let staleHeaders: Record<string, string> = {};
    if (hit) {
      this.counts.cacheReads++;
      const version = hit.headers.get(VERSION);
      const fetchedAt = Number(hit.headers.get(FETCHED_AT));
      const lease = Number(hit.headers.get(LEASE));
      const { freshMs, leaseMs } = refreshTimings(settings.refreshMs, this.jitter);
      const fresh = version !== null && now - fetchedAt < freshMs;
      // Another isolate of this colo is reading the object: use the copy as it is (a cold isolate with no
      // copy at all reads the object itself).
      const leased = now - lease < leaseMs && (version !== null || this.snapshot !== null);
      if (fresh || leased) {
        if (version !== null && Number(version) !== this.snapshot?.version) this.adoptText(await hit.text());
        else {
          await hit.body?.cancel();
          if (version !== null) this.lastSuccessAt = this.deps.now();
        }
        return;
      }
      if (version !== null) {
        staleBody = await hit.text();
        staleHeaders = { [VERSION]: version, [FETCHED_AT]: String(fetchedAt) };
        // Stale but no older than what this isolate holds: taken now, kept if the object cannot be read.
        if (Number(version) !== this.snapshot?.version) this.adoptText(staleBody);
      } else await hit.body?.cancel();
    }
    // This isolate claims the colo's refresh: others see the lease and keep their copies meanwhile.
    if (cache) {
      const lease = cached(staleBody, { ...staleHeaders, [LEASE]: String(now) }, settings.refreshMs);
      await cache.put(key, lease).catch(() => undefined);
    }
    this.counts.sourceReads++;
    const snapshot = await withTimeout(settings.source.snapshot(now), SOURCE_TIMEOUT_MS);
    const body = JSON.stringify(snapshot);
    if (cache) {
      const headers = { [VERSION]: String(snapshot.version), [FETCHED_AT]: String(this.deps.now()) };
      await cache.put(key, cached(body, headers, settings.refreshMs)).catch(() => undefined);
    }
    this.adopt(snapshot);
  }

  private adoptText(text: string): void {
    let parsed: DenySnapshot | null = null;
    try {
      parsed = parseSnapshot(JSON.parse(text));
    } catch {}
    // A cached copy that is not a snapshot is ignored (the next refresh reads the object).
    if (parsed) this.adopt(parsed);
  }

  private cacheOrUndefined(): CacheLike | undefined {
    if (this.deps.cache) return this.deps.cache();
    return typeof caches === 'undefined' ? undefined : (caches.default as unknown as CacheLike);
  }
}
