import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/rate-limit/client-key';

const group = fc.integer({ min: 0, max: 0xffff });
const hex = (g: number) => g.toString(16);
const full = (gs: number[]) => gs.map(hex).join(':');
/** A text form with the longest run of zero groups compressed to `::` (as RFC 5952, when there is one). */
function compressed(gs: number[]): string {
  let best = [-1, 0];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && gs[j] === 0) j++;
    if (j - i > best[1]!) best = [i, j - i];
  }
  if (best[1]! < 2) return full(gs);
  return `${gs.slice(0, best[0]).map(hex).join(':')}::${gs
    .slice(best[0]! + best[1]!)
    .map(hex)
    .join(':')}`;
}

describe('clientKey', () => {
  it('IPv6 addresses of one /64 share a key, in any text form; another /64 does not', () => {
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 8, maxLength: 8 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        (a, low) => {
          fc.pre(!(a.slice(0, 5).every((g) => g === 0) && a[5] === 0xffff));
          const b = [...a.slice(0, 4), ...low];
          expect(clientKey(full(a))).toBe(clientKey(compressed(b)));
          expect(clientKey(full(a).toUpperCase())).toBe(clientKey(full(a)));
          const other = [...a];
          other[3] = (other[3]! + 1) & 0xffff;
          expect(clientKey(full(other))).not.toBe(clientKey(full(a)));
        },
      ),
    );
  });

  it('IPv4 exactly; IPv4-mapped IPv6 as its IPv4; zone ids ignored; non-addresses kept', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    for (const odd of ['unknown', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', ':::'])
      expect(clientKey(odd)).toBe(odd);
  });
});
