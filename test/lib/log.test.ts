import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../../src/lib/log';

describe('redact', () => {
  it('drops sensitive keys and masks secret-shaped values anywhere', () => {
    const out = JSON.stringify(
      redact({
        authorization: 'Bearer abc',
        nested: {
          cookie: '__session=x',
          note: 'key sk_live_123abc and whsec_c2VjcmV0 and Bearer eyJhbGciOi.eyJzdWIi.sig',
        },
        list: ['-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----'],
        err: new Error('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln failed'),
      }),
    );
    for (const secret of ['Bearer abc', '__session', 'sk_live_123abc', 'whsec_c2VjcmV0', 'eyJ', 'MIIB'])
      expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('masks any embedded Clerk secret key (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[A-Za-z0-9]{8,40}$/), fc.string(), (before, key, after) => {
        const out = JSON.stringify(redact({ message: `${before} sk_test_${key} ${after}` }));
        expect(out).not.toContain(`sk_test_${key}`);
      }),
    );
  });

  it('masks opaque machine tokens and a percent-encoded bearer token, as in a logged URL or error', () => {
    const key = `ak_${'A1b2'.repeat(8)}`;
    const out = JSON.stringify(
      redact({
        error: `fetch https://origin.test/x?key=${key}&t=oat_${'z9'.repeat(12)} failed`,
        url: 'Bearer%20abc.def',
      }),
    );
    expect(out).not.toContain(key);
    expect(out).not.toContain('oat_z9');
    expect(out).not.toContain('abc.def');
    // Ids are not tokens: short or other prefixes stay readable.
    expect(redact('user_2abc mch_123 ak_short')).toBe('user_2abc mch_123 ak_short');
  });

  it('masks exactly what the patterns mask, hint-free strings (the fast path) included (property)', () => {
    // The patterns as redact applied them to every string before it skipped strings without their literal prefixes.
    const reference = (value: string) =>
      [
        /\b(sk|pk)_(test|live)_[A-Za-z0-9+/=_-]+/g,
        /\bwhsec_[A-Za-z0-9+/=]+/g,
        /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g,
        /\bBearer(\s|%20)+\S+/gi,
        /\b(ak|mt|oat)_[A-Za-z0-9_-]{16,}/g,
        /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g,
      ].reduce((out, pattern) => out.replace(pattern, REDACTED), value);
    const pieces = [
      'sk_test_',
      'pk_live_',
      'SK_TEST_',
      'whsec_',
      'eyJ',
      'EYJ',
      'Bearer ',
      'bearer\t',
      'BEARER',
      'Bearer%20',
      'ak_',
      'MT_',
      'oat_',
      'abcdefghijklmnop',
      '-----BEGIN ',
      '-----BEGIN RSA KEY-----',
      '-----END RSA KEY-----',
      '.',
      '_',
      ' ',
      'abc123',
      'x=',
    ];
    const piece = fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 }));
    const text = fc.array(piece, { maxLength: 12 }).map((xs) => xs.join(''));
    fc.assert(
      fc.property(text, (value) => {
        expect(redact(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });
});
