import { describe, expect, it } from 'vitest';
import { ResultCache } from '../../src/auth/result-cache';
import type { SessionAuthContext } from '../../src/auth/types';
import { sessionAuthContext } from '../helpers/auth-context';

const verified = (expiresAtMs: number) => ({
  ok: true as const,
  value: { expiresAtMs, auth: sessionAuthContext('u') as SessionAuthContext },
});

describe('ResultCache', () => {
  it('honours an entry only until exp', () => {
    const cache = new ResultCache();
    cache.set('t', verified(2_000), 1_000);
    expect(cache.get('t', 1_999)).toBeDefined();
    expect(cache.get('t', 2_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded, evicting the oldest', () => {
    const cache = new ResultCache(3);
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, verified(9_000), 0);
    expect(cache.size).toBe(3);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('d', 1)).toBeDefined();
  });

  it('never caches a NaN or past exp, nor an oversized token', () => {
    const cache = new ResultCache();
    cache.set('nan', verified(Number.NaN), 0);
    cache.set('past', verified(5), 10);
    cache.set('x'.repeat(5_000), verified(9_000), 0);
    expect(cache.size).toBe(0);
  });
});
