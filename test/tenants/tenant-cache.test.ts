import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TENANT_CACHE_TTL_MS, TenantCache } from '../../src/tenants/tenant-cache';
import type { Tenant } from '../../src/tenants/tenant-store';

const row = (id: string, status: Tenant['status'] = 'active'): Tenant =>
  ({ id, kind: 'user', status, source: 'webhook', createdAt: 1, updatedAt: 1 }) as Tenant;

describe('TenantCache (pure, injected clock)', () => {
  it('serves an entry until exactly ttl after it was stored, then misses', () => {
    const cache = new TenantCache(30_000);
    cache.set('user_a', row('user_a'), 1_000);
    expect(cache.get('user_a', 1_000)?.id).toBe('user_a');
    expect(cache.get('user_a', 30_999)?.id).toBe('user_a');
    expect(cache.get('user_a', 31_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('a read does not extend the entry: staleness stays bounded by the ttl', () => {
    const cache = new TenantCache(10);
    cache.set('user_a', row('user_a'), 0);
    for (let t = 0; t < 10; t++) expect(cache.get('user_a', t)).toBeDefined();
    expect(cache.get('user_a', 10)).toBeUndefined();
  });

  it('caches null (unknown tenant) distinctly from a miss', () => {
    const cache = new TenantCache(100);
    expect(cache.get('org_x', 0)).toBeUndefined();
    cache.set('org_x', null, 0);
    expect(cache.get('org_x', 50)).toBeNull();
  });

  it('is bounded: evicts the least recently used', () => {
    const cache = new TenantCache(1_000, 3);
    for (const id of ['a', 'b', 'c']) cache.set(id, row(id), 0);
    cache.get('a', 1); // a is now the most recent
    cache.set('d', row('d'), 2);
    expect(cache.size).toBe(3);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)?.id).toBe('a');
    expect(cache.get('d', 3)?.id).toBe('d');
  });

  it('delete invalidates; a zero ttl disables caching', () => {
    const cache = new TenantCache(100);
    cache.set('a', row('a'), 0);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
    const off = new TenantCache(0);
    off.set('a', row('a'), 0);
    expect(off.get('a', 0)).toBeUndefined();
  });

  it('stores a frozen copy: a caller mutating its row cannot change what others read', () => {
    const cache = new TenantCache(100);
    const r = row('a');
    cache.set('a', r, 0);
    r.status = 'archived';
    const hit = cache.get('a', 1) as Tenant;
    expect(hit.status).toBe('active');
    expect(Object.isFrozen(hit)).toBe(true);
  });

  it('the documented window is 30 s', () => {
    expect(TENANT_CACHE_TTL_MS).toBe(30_000);
  });
});

describe('TenantCache against a reference model (property)', () => {
  type Op =
    | { op: 'set'; id: string; archived: boolean }
    | { op: 'get'; id: string }
    | { op: 'delete'; id: string }
    | { op: 'tick'; ms: number };
  const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('set' as const), id: ids, archived: fc.boolean() }),
    fc.record({ op: fc.constant('get' as const), id: ids }),
    fc.record({ op: fc.constant('delete' as const), id: ids }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  );

  it(
    'never serves an entry older than the ttl, never exceeds its bound, ' + 'and otherwise serves the last value set',
    () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 4 }), (ops, max) => {
          const ttl = 50;
          const cache = new TenantCache(ttl, max);
          // Model: last value set per id and when; the cache may have evicted it (bounded), never more.
          const model = new Map<string, { archived: boolean; at: number }>();
          const everSet = new Set<string>();
          let now = 0;
          for (const o of ops) {
            if (o.op === 'tick') now += o.ms;
            else if (o.op === 'set') {
              cache.set(o.id, row(o.id, o.archived ? 'archived' : 'active'), now);
              model.set(o.id, { archived: o.archived, at: now });
              everSet.add(o.id);
            } else if (o.op === 'delete') {
              cache.delete(o.id);
              model.delete(o.id);
            } else {
              const hit = cache.get(o.id, now);
              const m = model.get(o.id);
              if (hit !== undefined) {
                // A hit is the latest value set, and younger than the ttl.
                expect(m).toBeDefined();
                expect(now - (m as { at: number }).at).toBeLessThan(ttl);
                expect(hit?.status).toBe(m?.archived ? 'archived' : 'active');
              } else if (m && now - m.at >= ttl) {
                model.delete(o.id);
              } else {
                // A miss on a young entry is only allowed once the bound forced an eviction.
                expect(m === undefined || everSet.size > max).toBe(true);
              }
            }
            expect(cache.size).toBeLessThanOrEqual(max);
          }
        }),
        { numRuns: 300 },
      );
    },
  );
});
