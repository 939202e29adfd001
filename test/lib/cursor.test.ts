import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { CursorCodec } from '../../src/lib/cursor';

const any = (v: unknown) => v;
const codec = new CursorCodec();
const encodeCursor = codec.encode.bind(codec);
const decodeCursor = <T>(secret: string, scope: string, cursor: string, parse: (v: unknown) => T | null) =>
  codec.decode(secret, scope, cursor, parse);

describe('cursor (pure)', () => {
  it('round-trips any JSON position within its scope', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.jsonValue().filter((v) => v !== null),
        async (scope, position) => {
          const cursor = await encodeCursor('secret', scope, position);
          expect(cursor).toMatch(/^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/);
          // A cursor longer than the codec takes (1,024 characters: the service's positions are a few dozen) is
          // refused as too long, never misread; every other one round-trips.
          if (cursor.length > 1024) {
            await expect(decodeCursor('secret', scope, cursor, any)).rejects.toMatchObject({
              detail: { cursor: 'too_long' },
            });
            return;
          }
          expect(await decodeCursor('secret', scope, cursor, any)).toEqual(JSON.parse(JSON.stringify(position)));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects any other scope, any other secret, and any single-character edit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.nat(),
        fc.constantFrom(...'ABCxyz019-_.'),
        async (scope, other, at, ch) => {
          const cursor = await encodeCursor('secret', scope, { c: 1, s: 'sess_1' });
          const edited = cursor.slice(0, at % cursor.length) + ch + cursor.slice((at % cursor.length) + 1);
          const attempts = [
            other === scope ? null : decodeCursor('secret', other, cursor, any),
            decodeCursor('other', scope, cursor, any),
          ];
          if (edited !== cursor) attempts.push(decodeCursor('secret', scope, edited, any));
          for (const attempt of attempts) {
            if (attempt) await expect(attempt).rejects.toMatchObject({ code: 'invalid_request' });
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects a valid MAC over a position of the wrong shape', async () => {
    const cursor = await encodeCursor('secret', 's', { c: 'not a number' });
    await expect(decodeCursor('secret', 's', cursor, () => null)).rejects.toBeInstanceOf(AppError);
  });
});

describe('cursor canonical encoding', () => {
  it('rejects a MAC whose last character differs only in unused bits', async () => {
    const cursor = await encodeCursor('secret', 's', { c: 1 });
    const last = cursor.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32-byte MAC ⇒ 43 chars: the last one carries 4 bits; its sibling differs in the 2 unused bits.
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    await expect(decodeCursor('secret', 's', cursor.slice(0, -1) + sibling, (v) => v)).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
