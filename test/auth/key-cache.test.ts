import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { KeyCache, type KeyCacheOptions, KeysUnavailableError, type KvLike } from '../../src/auth/key-cache';
import type { FetchJwksResult, Jwk } from '../../src/clerk/jwks';
import { testPublicJwk } from '../helpers/tokens';

/** An in-memory KV with failure switches and counters (the real KV is exercised in keys-http.test.ts). */
function fakeKv() {
  const data = new Map<string, string>();
  const kv = {
    data,
    gets: 0,
    puts: 0,
    failGet: false,
    failPut: false,
    async get(key: string) {
      kv.gets++;
      if (kv.failGet) throw new Error('KV get failed');
      const v = data.get(key);
      return v === undefined ? null : JSON.parse(v);
    },
    async put(key: string, value: string) {
      kv.puts++;
      if (kv.failPut) throw new Error('KV put failed');
      data.set(key, value);
    },
  };
  return kv satisfies KvLike;
}

const jwk = (kid: string) => testPublicJwk(kid) as unknown as Jwk;

function setup(options: Partial<KeyCacheOptions> = {}) {
  const clock = { t: 1_000_000 };
  const clerk = { calls: 0, next: (): FetchJwksResult => ({ ok: true, keys: [jwk('kid_a')] }) };
  const logs: string[] = [];
  const make = () =>
    new KeyCache({
      scope: 'api.clerk.test',
      now: () => clock.t,
      fetchJwks: async () => {
        clerk.calls++;
        return clerk.next();
      },
      log: (_level, event) => logs.push(event),
      ...options,
    });
  return { clock, clerk, logs, make };
}

describe('KeyCache (pure core: fake clock, KV and Clerk)', () => {
  it('cold: fetches from Clerk once, stores in KV, then serves from memory with no I/O', async () => {
    const { clerk, make } = setup();
    const kv = fakeKv();
    const cache = make();
    expect(await cache.getKey('kid_a', kv)).toBeInstanceOf(CryptoKey);
    const [gets, puts] = [kv.gets, kv.puts];
    for (let i = 0; i < 50; i++) await cache.getKey('kid_a', kv);
    expect(clerk.calls).toBe(1);
    expect([kv.gets, kv.puts]).toEqual([gets, puts]);
    expect(JSON.parse(kv.data.get('jwks:v1:api.clerk.test')!)).toMatchObject({
      keys: [{ kid: 'kid_a' }],
      fetchedAt: 1_000_000,
    });
  });

  it('imports each CryptoKey once per kid', async () => {
    const { make } = setup();
    const kv = fakeKv();
    const cache = make();
    const a = await cache.getKey('kid_a', kv);
    expect(await cache.getKey('kid_a', kv)).toBe(a);
  });

  it('20 cold isolates with KV warm: no Clerk fetch, one KV read each', async () => {
    const { clerk, make } = setup();
    const kv = fakeKv();
    await make().getKey('kid_a', kv);
    clerk.calls = 0;
    kv.gets = 0;
    for (let i = 0; i < 20; i++) {
      const isolate = make();
      for (let r = 0; r < 10; r++) await isolate.getKey('kid_a', kv);
    }
    expect(clerk.calls).toBe(0);
    expect(kv.gets).toBe(20);
  });

  it('memory expires after minutes: one KV read refills it', async () => {
    const { clock, clerk, make } = setup();
    const kv = fakeKv();
    const cache = make();
    await cache.getKey('kid_a', kv);
    kv.gets = 0;
    clock.t += 6 * 60_000;
    await cache.getKey('kid_a', kv);
    await cache.getKey('kid_a', kv);
    expect(kv.gets).toBe(1);
    expect(clerk.calls).toBe(1);
  });

  it('unknown kids: at most one Clerk refresh per 30 s cooldown, however many arrive', async () => {
    const { clock, clerk, make } = setup();
    const kv = fakeKv();
    const cache = make();
    await cache.getKey('kid_a', kv);
    clerk.calls = 0;
    clock.t += 31_000; // the cold fetch itself opened a cooldown window
    for (let i = 0; i < 500; i++) expect(await cache.getKey(`random_${i}`, kv)).toBeNull();
    expect(clerk.calls).toBe(1);
    clock.t += 31_000;
    for (let i = 0; i < 500; i++) await cache.getKey(`random_b_${i}`, kv);
    expect(clerk.calls).toBe(2);
  });

  it('unknown kid: the cooldown is shared across isolates through KV, and a rotated key is found', async () => {
    const { clock, clerk, make } = setup();
    const kv = fakeKv();
    const first = make();
    const second = make();
    await first.getKey('kid_a', kv);
    await second.getKey('kid_a', kv);
    clerk.calls = 0;
    clock.t += 31_000;
    clerk.next = () => ({ ok: true, keys: [jwk('kid_a'), jwk('kid_b')] });
    expect(await first.getKey('kid_b', kv)).toBeInstanceOf(CryptoKey); // refreshes Clerk, writes KV
    expect(await second.getKey('kid_b', kv)).toBeInstanceOf(CryptoKey); // sees the lock, re-reads KV
    expect(clerk.calls).toBe(1);
  });

  it('a refresh that drops a kid reports it (onKeysRemoved), one that only adds does not', async () => {
    const removed: string[][] = [];
    const { clock, clerk, make } = setup({ onKeysRemoved: (kids) => removed.push(kids) });
    const kv = fakeKv();
    const cache = make();
    await cache.getKey('kid_a', kv);
    clock.t += 31_000;
    clerk.next = () => ({ ok: true, keys: [jwk('kid_a'), jwk('kid_b')] });
    expect(await cache.getKey('kid_b', kv)).toBeInstanceOf(CryptoKey);
    expect(removed).toEqual([]);
    clock.t += 31_000;
    clerk.next = () => ({ ok: true, keys: [jwk('kid_b'), jwk('kid_c')] });
    expect(await cache.getKey('kid_c', kv)).toBeInstanceOf(CryptoKey);
    expect(removed).toEqual([['kid_a']]);
    expect(await cache.getKey('kid_a', kv)).toBeNull();
  });

  it('concurrent cold requests share one refresh (single flight)', async () => {
    const { clerk, make } = setup();
    const kv = fakeKv();
    const cache = make();
    const keys = await Promise.all(Array.from({ length: 20 }, () => cache.getKey('kid_a', kv)));
    expect(keys.every((k) => k instanceof CryptoKey)).toBe(true);
    expect(clerk.calls).toBe(1);
  });

  it('Clerk down and nothing cached: KeysUnavailableError carrying the failure kind', async () => {
    const { clerk, make } = setup();
    clerk.next = () => ({ ok: false, kind: 'clerk_unreachable' });
    const cache = make();
    await expect(cache.getKey('kid_a', fakeKv())).rejects.toBeInstanceOf(KeysUnavailableError);
    expect(cache.lastError?.kind).toBe('clerk_unreachable');
  });

  it('Clerk down, stale set in KV: serves it (stale-if-error), retries only after the cooldown', async () => {
    const { clock, clerk, logs, make } = setup();
    const kv = fakeKv();
    await make().getKey('kid_a', kv);
    clock.t += 25 * 3600_000; // a day later: KV's copy is old, Clerk is down
    clerk.next = () => ({ ok: false, kind: 'clerk_unreachable' });
    clerk.calls = 0;
    const cache = make();
    expect(await cache.getKey('kid_a', kv)).toBeInstanceOf(CryptoKey);
    expect(cache.servingStale).toBe(true);
    for (let i = 0; i < 20; i++) await cache.getKey('kid_a', kv);
    expect(clerk.calls).toBe(1);
    clock.t += 31_000;
    clerk.next = () => ({ ok: true, keys: [jwk('kid_a')] });
    await cache.getKey('kid_a', kv);
    expect(clerk.calls).toBe(2);
    expect(cache.servingStale).toBe(false);
    expect(cache.lastError).toBeUndefined();
    expect(logs.filter((l) => l === 'auth.keys.serving_stale')).toHaveLength(1);
  });

  it('a failed refresh keeps the in-memory set (secret key revoked)', async () => {
    const { clock, clerk, make } = setup({ kvFreshMs: 60_000 });
    const kv = fakeKv();
    const cache = make();
    await cache.getKey('kid_a', kv);
    kv.data.clear();
    clock.t += 10 * 60_000;
    clerk.next = () => ({ ok: false, kind: 'secret_key_invalid', status: 401 });
    expect(await cache.getKey('kid_a', kv)).toBeInstanceOf(CryptoKey);
    expect(cache.lastError?.kind).toBe('secret_key_invalid');
    expect(cache.servingStale).toBe(true);
  });

  it('KV get and put throwing: falls through to Clerk, still verifies, logs once', async () => {
    const { clock, clerk, logs, make } = setup();
    const kv = fakeKv();
    kv.failGet = true;
    kv.failPut = true;
    const cache = make();
    expect(await cache.getKey('kid_a', kv)).toBeInstanceOf(CryptoKey);
    clock.t += 31_000;
    await cache.getKey('kid_unknown', kv);
    expect(clerk.calls).toBe(2);
    expect(logs.filter((l) => l === 'auth.keys.kv_failed')).toHaveLength(1);
  });

  it('one log line per state change, not per request', async () => {
    const { logs, make } = setup();
    const kv = fakeKv();
    const cache = make();
    for (let i = 0; i < 10; i++) await cache.getKey('kid_a', kv);
    expect(logs).toEqual(['auth.keys.loaded']);
  });
});

describe('KV key schema', () => {
  it('stores with a long expiry in the real KV binding', async () => {
    const cache = new KeyCache({
      scope: 'schema.clerk.test',
      fetchJwks: async () => ({ ok: true, keys: [jwk('kid_s')] }),
    });
    await cache.getKey('kid_s', env.JWKS_CACHE);
    const { metadata, value } = await env.JWKS_CACHE.getWithMetadata('jwks:v1:schema.clerk.test', 'json');
    expect(value).toMatchObject({ keys: [{ kid: 'kid_s', kty: 'RSA' }] });
    expect(metadata).toBeNull();
    const list = await env.JWKS_CACHE.list({ prefix: 'jwks:v1:schema.clerk.test' });
    const entry = list.keys.find((k) => k.name === 'jwks:v1:schema.clerk.test');
    expect(entry?.expiration).toBeGreaterThan(Date.now() / 1000 + 24 * 3600);
  });
});
