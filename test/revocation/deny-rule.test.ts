import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DENY_ENTRY_TTL_MS,
  type DenyEntry,
  denyEntry,
  denyKey,
  expiresAt,
  isDenied,
  joinEntries,
} from '../../src/revocation/deny-rule';
import { lookupOf, parseSnapshot, toWire } from '../../src/revocation/deny-snapshot';

const T = Date.UTC(2026, 11, 1, 12, 0, 0, 500);

function lookupFrom(entries: DenyEntry[]) {
  return lookupOf({ version: 1, truncated: false, entries: entries.map(toWire) }).lookup;
}

describe('the deny rule', () => {
  it('a session entry refuses every token of the session until it expires, then nothing', () => {
    const lookup = lookupFrom([denyEntry('session', 'sess_a', T)]);
    const token = { sessionId: 'sess_a', userId: 'user_a', issuedAt: T / 1000 + 30 };
    expect(isDenied(lookup, token, T + 1)).toBe(true);
    expect(isDenied(lookup, token, T + DENY_ENTRY_TTL_MS - 1)).toBe(true);
    expect(isDenied(lookup, token, T + DENY_ENTRY_TTL_MS)).toBe(false);
    expect(isDenied(lookup, { ...token, sessionId: 'sess_b' }, T + 1)).toBe(false);
  });

  it('a user entry refuses only tokens issued before it (whole seconds: its own second included)', () => {
    const lookup = lookupFrom([denyEntry('user', 'user_a', T)]);
    const at = (iat: number) => isDenied(lookup, { sessionId: 'sess_x', userId: 'user_a', issuedAt: iat }, T + 10);
    expect(at(Math.floor(T / 1000) - 30)).toBe(true);
    expect(at(Math.floor(T / 1000))).toBe(true);
    expect(at(Math.floor(T / 1000) + 1)).toBe(false);
    // No usable iat: as old as can be.
    expect(at(Number.NaN)).toBe(true);
    expect(isDenied(lookup, { sessionId: 's', userId: 'user_b', issuedAt: 0 }, T + 10)).toBe(false);
  });

  it('keeps an entry exactly as long as a token it refuses can be accepted (lifetime + skew)', () => {
    expect(expiresAt({ at: T })).toBe(T + 65_000);
  });

  it('joins entries by the latest time, whatever the order and however often (fast-check)', () => {
    const entry = fc.record({
      kind: fc.constantFrom('session' as const, 'user' as const),
      id: fc.constantFrom('a', 'b', 'c'),
      at: fc.integer({ min: T, max: T + 100_000 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (entries, order) => {
        const fold = (list: DenyEntry[]) => {
          const map = new Map<string, DenyEntry>();
          for (const e of list) {
            const known = map.get(denyKey(e.kind, e.id));
            map.set(denyKey(e.kind, e.id), known ? joinEntries(known, e) : e);
          }
          return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
        };
        const shuffled = [...entries].sort(
          (a, b) => (order[entries.indexOf(a)] ?? 0) - (order[entries.indexOf(b)] ?? 0),
        );
        expect(fold([...shuffled, ...entries])).toEqual(fold(entries));
      }),
    );
  });

  it('reads back only well-formed snapshots', () => {
    expect(parseSnapshot({ version: 2, truncated: false, entries: [['s', 'sess_1', T]] })).not.toBeNull();
    expect(parseSnapshot({ version: 2, truncated: false, entries: [['x', 'sess_1', T]] })).toBeNull();
    expect(parseSnapshot({ version: 2, truncated: false, entries: [['s', 'has space', T]] })).toBeNull();
    expect(parseSnapshot({ version: '2', truncated: false, entries: [] })).toBeNull();
    expect(parseSnapshot(null)).toBeNull();
  });
});
