import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookiePairs, readCookie } from '../../src/lib/cookies';

describe('cookies', () => {
  it('reads pairs split by ";" or "," (two Cookie fields joined), quotes stripped', () => {
    expect(readCookie('a=1, __session=tok; b=2', '__session')).toBe('tok');
    expect(readCookie('a=1;__session="q"', '__session')).toBe('q');
    expect(readCookie('a=1', '__session')).toBeUndefined();
    expect(readCookie('__session=', '__session')).toBeUndefined();
    expect(readCookie(null, 'a')).toBeUndefined();
  });

  it('every cookie of any set of fields is found, however the fields were joined', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    const value = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        (fields) => {
          const header = fields.map((f) => f.map(([n, v]) => `${n}=${v}`).join('; ')).join(', ');
          const all = fields.flat();
          expect(cookiePairs(header).map((c) => [c.name, c.value])).toEqual(all);
          for (const [n] of all) expect(readCookie(header, n)).toBe(all.find(([m]) => m === n)?.[1]);
        },
      ),
    );
  });
});
