import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gzipText } from '../../src/lib/gzip';
import { packPayload, unpackPayload } from '../../src/webhooks/payload-codec';
import { CLERK_SAMPLES } from '../helpers/webhooks';

describe('payload codec (gzip bytes in webhook_payloads.payload)', () => {
  it("packs Clerk's sample payloads to gzip, well under their JSON, and reads them back exactly", async () => {
    for (const sample of Object.values(CLERK_SAMPLES)) {
      const body = JSON.stringify(sample);
      const packed = await packPayload(body);
      expect([packed[0], packed[1]]).toEqual([0x1f, 0x8b]); // gzip magic: `zcat` reads it
      if (body.length > 1000) expect(packed.length).toBeLessThan(body.length / 2);
      expect(await unpackPayload(packed)).toBe(body);
    }
  });

  it('round-trips any text, including non-ASCII and the empty string (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 2000 }), async (text) => {
        expect(await unpackPayload(await packPayload(text))).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it('reads a payload stored as text (moved by migration 0009) as it is', async () => {
    expect(await unpackPayload('{"type":"user.created"}')).toBe('{"type":"user.created"}');
  });

  it('never throws on bytes that are not gzip, or a cut gzip: they read as a marker keeping the bytes', async () => {
    const whole = await gzipText('{"type":"user.created","data":{}}');
    for (const bad of [new Uint8Array([0, 1, 2, 3]), whole.subarray(0, whole.length - 6), new Uint8Array()]) {
      const text = await unpackPayload(bad);
      expect(JSON.parse(text)).toMatchObject({ unreadable: 'gzip', bytes: expect.any(String) });
    }
  });
});
