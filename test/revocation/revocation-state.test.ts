import { describe, expect, it } from 'vitest';
import { denyEntry } from '../../src/revocation/deny-rule';
import { type DenySnapshot, toWire } from '../../src/revocation/deny-snapshot';
import {
  type CacheLike,
  type RefreshSettings,
  RevocationState,
  snapshotCacheKey,
} from '../../src/revocation/revocation-state';
import { uid } from '../helpers/ids';

const quiet = () => undefined;
const T0 = Date.UTC(2026, 11, 1);

/** A colo's Cache API with the runtime's semantics that matter here (max-age on a driven clock), counted. */
function countedCache(now: () => number) {
  const store = new Map<string, { body: string; headers: Headers; until: number }>();
  const counts = { match: 0, put: 0 };
  const cache: CacheLike = {
    async match(key) {
      counts.match++;
      const hit = store.get(key);
      if (!hit || hit.until <= now()) return undefined;
      return new Response(hit.body, { headers: hit.headers });
    },
    async put(key, res) {
      counts.put++;
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1] ?? 0);
      store.set(key, { body: await res.text(), headers: new Headers(res.headers), until: now() + maxAge * 1000 });
    },
  };
  return { cache, counts };
}

/** The object, counted: its entries and version as a test sets them. */
function countedSource(options: { fail?: () => boolean } = {}) {
  let snapshot: DenySnapshot = { version: 1, truncated: false, entries: [] };
  const source = {
    reads: 0,
    set(next: DenySnapshot) {
      snapshot = next;
    },
    async snapshot() {
      source.reads++;
      if (options.fail?.()) throw new Error('object unreachable');
      return snapshot;
    },
  };
  return source;
}

function harness(isolates: number, refreshMs = 2_000) {
  let t = T0;
  const now = () => t;
  const { cache, counts } = countedCache(now);
  const source = countedSource();
  const pending: Promise<unknown>[] = [];
  const states = Array.from(
    { length: isolates },
    (_, i) => new RevocationState({ now, log: quiet, cache: () => cache, jitter: (i * 0.618034) % 1 }),
  );
  const settings: RefreshSettings = { refreshMs, source, scope: uid('scope'), waitUntil: (p) => void pending.push(p) };
  return {
    states,
    source,
    counts,
    settings,
    advance: (ms: number) => {
      t += ms;
    },
    now,
    /** Settles the background refreshes started so far. */
    settle: async () => {
      while (pending.length > 0) await Promise.all(pending.splice(0));
    },
  };
}

const token = (sessionId: string, userId = 'user_x') => ({ sessionId, userId, issuedAt: T0 / 1000 });

describe('per-isolate snapshot, refreshed through the colo cache', () => {
  it('bounds object reads per colo: N isolates × T s ⇒ about T / (R/2) reads, not N × T / (R/4)', async () => {
    const rows: { isolates: number; coldReads: number; reads: number; perSecond: number; withoutCache: number }[] = [];
    const seconds = 20;
    for (const isolates of [1, 10, 100, 1_000]) {
      const h = harness(isolates);
      // Every isolate serves a request every 100 ms, staggered: a tenth of them in each 10 ms step, concurrently.
      const run = async (s: number) => {
        for (let step = 0; step < s * 100; step++) {
          h.advance(10);
          const slice = step % 10;
          await Promise.all(
            h.states.filter((_, i) => i % 10 === slice).map((st) => st.isDenied(token('sess_none'), h.settings)),
          );
          await h.settle();
        }
      };
      await run(2); // every isolate starts cold at once (a deploy): counted apart
      const coldReads = h.source.reads;
      await run(seconds);
      const reads = h.source.reads - coldReads;
      const withoutCache = isolates * (seconds / (h.settings.refreshMs / 4 / 1000));
      rows.push({ isolates, coldReads, reads, perSecond: reads / seconds, withoutCache });
    }
    // The figures quoted in docs/revocation.md (R = 2 s, requests every 100 ms per isolate, 10 ms of concurrency).
    console.log(JSON.stringify(rows));
    for (const row of rows) expect(row.perSecond).toBeLessThanOrEqual(1.5);
    expect(rows[3]!.reads).toBeLessThan(rows[3]!.withoutCache / 1_000);
  });

  it('an entry written to the object is refused by every isolate within one interval', async () => {
    const h = harness(50);
    for (const s of h.states) await s.isDenied(token('sess_r'), h.settings);
    await h.settle();
    h.source.set({ version: 2, truncated: false, entries: [toWire(denyEntry('session', 'sess_r', h.now()))] });
    const refusedBy = new Set<number>();
    let elapsed = 0;
    while (refusedBy.size < h.states.length && elapsed <= h.settings.refreshMs + 100) {
      h.advance(50);
      elapsed += 50;
      for (const [i, s] of h.states.entries()) if (await s.isDenied(token('sess_r'), h.settings)) refusedBy.add(i);
      await h.settle();
    }
    expect(refusedBy.size).toBe(h.states.length);
    expect(elapsed).toBeLessThanOrEqual(h.settings.refreshMs);
  });

  it('an isolate idle for longer than the interval refuses an entry written while it was idle on its first request', async () => {
    const h = harness(1);
    const [state] = h.states;
    expect(await state!.isDenied(token('sess_idle'), h.settings)).toBe(false);
    await h.settle();
    h.advance(30_000); // no request for 30 s
    h.source.set({ version: 2, truncated: false, entries: [toWire(denyEntry('session', 'sess_idle', h.now()))] });
    h.advance(h.settings.refreshMs + 1);
    // Fails on the old code: a warm isolate answered from its 30 s old copy and refreshed only after the response.
    expect(await state!.isDenied(token('sess_idle'), h.settings)).toBe(true);
  });

  it('a cold isolate waits for its first copy (from the colo cache when there is one) and refuses at once', async () => {
    const h = harness(2);
    h.source.set({ version: 7, truncated: false, entries: [toWire(denyEntry('user', 'user_b', h.now()))] });
    expect(await h.states[0]!.isDenied(token('sess_1', 'user_b'), h.settings)).toBe(true);
    expect(h.source.reads).toBe(1);
    expect(await h.states[1]!.isDenied(token('sess_2', 'user_b'), h.settings)).toBe(true);
    expect(h.source.reads).toBe(1); // the second isolate read the colo's cached copy
  });

  it('degraded: a failing object leaves the last copy in force, requests go on, health says so', async () => {
    let failing = false;
    let t = T0;
    const source = countedSource({ fail: () => failing });
    source.set({ version: 3, truncated: false, entries: [toWire(denyEntry('session', 'sess_d', T0))] });
    const state = new RevocationState({ now: () => t, log: quiet, cache: () => undefined });
    const pending: Promise<unknown>[] = [];
    const settings: RefreshSettings = { refreshMs: 2_000, source, scope: 's', waitUntil: (p) => void pending.push(p) };
    expect(await state.isDenied(token('sess_d'), settings)).toBe(true);
    failing = true;
    t += 1_000;
    expect(await state.isDenied(token('sess_d'), settings)).toBe(true);
    expect(await state.isDenied(token('sess_other'), settings)).toBe(false);
    await Promise.all(pending);
    expect(state.health(2_000)).toMatchObject({ status: 'degraded', version: 3, entries: 1 });
    expect(state.health(2_000).lastError).toMatchObject({ message: 'object unreachable' });
    failing = false;
    t += 1_000;
    await state.isDenied(token('sess_d'), settings);
    await Promise.all(pending);
    expect(state.health(2_000)).toMatchObject({ status: 'ok', lastError: { message: 'object unreachable' } });
  });

  it('a cold isolate whose object is down goes on with no copy (never a refusal for that)', async () => {
    const source = countedSource({ fail: () => true });
    const state = new RevocationState({ now: () => T0, log: quiet, cache: () => undefined });
    const settings: RefreshSettings = { refreshMs: 2_000, source, scope: 's', waitUntil: () => undefined };
    expect(await state.isDenied(token('sess_any'), settings)).toBe(false);
    expect(state.health(2_000).status).toBe('degraded');
  });

  it("works with the runtime's Cache API (a named cache standing in for the colo's caches.default)", async () => {
    const cache = (await caches.open(uid('colo'))) as unknown as CacheLike;
    const source = countedSource();
    source.set({ version: 9, truncated: false, entries: [toWire(denyEntry('session', 'sess_c', Date.now()))] });
    const settings: RefreshSettings = { refreshMs: 10_000, source, scope: uid('s'), waitUntil: () => undefined };
    const isolates = [1, 2, 3].map(() => new RevocationState({ now: Date.now, log: quiet, cache: () => cache }));
    for (const s of isolates) expect(await s.isDenied(token('sess_c'), settings)).toBe(true);
    expect(source.reads).toBe(1);
    expect(await cache.match(snapshotCacheKey(settings.scope))).toBeDefined();
  });
});
