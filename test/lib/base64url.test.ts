import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, decodeBase64UrlToBinary, encodeBase64Url } from '../../src/lib/base64url';

/** The encoder as it was: UTF-8 bytes, one String.fromCharCode per byte, btoa. */
function reference(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

describe('encodeBase64Url', () => {
  it('encodes any string as its UTF-8 bytes: ASCII (the fast path), non-ASCII, lone surrogates (property)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(text, (s) => {
        expect(encodeBase64Url(s)).toBe(reference(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes bytes, Uint8Array or ArrayBuffer, across the chunk boundary, and decodes back (property)', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 8000, maxLength: 20000 }));
    fc.assert(
      fc.property(bytes, (b) => {
        const encoded = encodeBase64Url(b);
        expect(encoded).toBe(reference(b));
        expect(encodeBase64Url(b.slice().buffer)).toBe(encoded);
        expect(decodeBase64Url(encoded)).toEqual(b);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes bytes the same without the native Uint8Array.prototype.toBase64 (runtimes without it: Node)', () => {
    const proto = Uint8Array.prototype as { toBase64?: unknown };
    const native = Object.getOwnPropertyDescriptor(Uint8Array.prototype, 'toBase64');
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 8000, maxLength: 20000 }));
    try {
      delete proto.toBase64;
      expect(proto.toBase64).toBeUndefined();
      fc.assert(
        fc.property(bytes, (b) => {
          expect(encodeBase64Url(b)).toBe(reference(b));
        }),
        { numRuns: 200 },
      );
    } finally {
      if (native) Object.defineProperty(Uint8Array.prototype, 'toBase64', native);
    }
    // workerd has it: the first test's encodings were its own.
    expect(typeof proto.toBase64).toBe('function');
  });
});

describe('decodeBase64UrlToBinary', () => {
  it('is decodeBase64Url as a binary string, null alike (property)', () => {
    const text = fc.oneof(fc.string({ unit: fc.constantFrom(...'AQgwEIMU_-x09=+/ ') }), fc.base64String());
    fc.assert(
      fc.property(text, (s) => {
        const bytes = decodeBase64Url(s);
        const bin = decodeBase64UrlToBinary(s);
        expect(bin === null ? null : Uint8Array.from(bin, (c) => c.charCodeAt(0))).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes the same without the native Uint8Array.fromBase64 (runtimes without it: Node)', () => {
    const native = Object.getOwnPropertyDescriptor(Uint8Array, 'fromBase64');
    const text = fc.oneof(fc.string({ unit: fc.constantFrom(...'AQgwEIMU_-x09=+/ ') }), fc.base64String());
    const cases = fc.sample(
      fc.oneof(
        text,
        fc.uint8Array({ maxLength: 300 }).map((b) => encodeBase64Url(b)),
      ),
      2000,
    );
    const withNative = cases.map((s) => decodeBase64Url(s));
    try {
      delete (Uint8Array as { fromBase64?: unknown }).fromBase64;
      expect((Uint8Array as { fromBase64?: unknown }).fromBase64).toBeUndefined();
      cases.forEach((s, i) => {
        expect(decodeBase64Url(s)).toEqual(withNative[i]);
      });
    } finally {
      if (native) Object.defineProperty(Uint8Array, 'fromBase64', native);
    }
    // workerd has it: the other tests' decodings were its own.
    expect(typeof (Uint8Array as { fromBase64?: unknown }).fromBase64).toBe('function');
  });
});
