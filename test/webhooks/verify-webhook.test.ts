import fc from 'fast-check';
import { Webhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { SvixVerifiers, type VerifyFailure, verifyDelivery } from '../../src/webhooks/verify-webhook';

// The verifier is WebCrypto, not the svix package (the Worker's bundle): held to svix's own answers here, on deliveries
// signed by svix and on every way a signature header can be wrong, around the ±5 minute window.
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** svix's verdict, in our terms (only for inputs our stricter header checks let through). */
function svixVerdict(secret: string, id: string, timestamp: string, signature: string, body: string) {
  try {
    new Webhook(secret).verify(body, { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signature });
    return 'ok';
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    return /too old/.test(message)
      ? 'timestamp_too_old'
      : /too new/.test(message)
        ? 'timestamp_too_new'
        : 'bad_signature';
  }
}

const secretArb = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((k) => `whsec_${b64(k)}`);
const idArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/);
const bodyArb = fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 2 }), fc.constant(''));

describe('verifyDelivery agrees with svix', () => {
  it('property: same verdict (accepted, too old, too new, bad signature) for signed, altered and foreign headers', async () => {
    const verifiers = new SvixVerifiers();
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        secretArb,
        idArb,
        bodyArb,
        // Not within 2 s of the window's edge: the two verdicts are read a moment apart.
        fc.integer({ min: -400, max: 400 }).filter((s) => Math.abs(Math.abs(s) - 300.5) > 2),
        fc.nat(2), // leading zeros, within the 12 digits the route accepts
        fc.constantFrom('signed', 'other-secret', 'other-body', 'flipped', 'v2', 'no-comma', 'rotated', 'garbage'),
        async (secret, otherSecret, id, body, skew, zeros, form) => {
          const seconds = Math.floor(Date.now() / 1000) + skew;
          // Leading zeros: svix signs the parsed number, so does the verifier.
          const timestamp = '0'.repeat(zeros) + String(seconds);
          const signer = new Webhook(form === 'other-secret' ? otherSecret : secret);
          const good = signer.sign(id, new Date(seconds * 1000), form === 'other-body' ? `${body}x` : body);
          const sig = good.split(',')[1] ?? '';
          const signature = {
            signed: good,
            'other-secret': good,
            'other-body': good,
            flipped: `v1,${sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`}`,
            v2: `v2,${sig}`,
            'no-comma': `v1${sig}`,
            rotated: `v1,${b64(new Uint8Array(32))} ${good} v1a,x`,
            garbage: 'v1,not base64 at all',
          }[form];
          const ours = await verifyDelivery(secret, { id, timestamp, signature }, body, verifiers);
          const verdict: 'ok' | VerifyFailure = ours.ok ? 'ok' : ours.error;
          expect(verdict).toBe(svixVerdict(secret, id, timestamp, signature, body));
          if (ours.ok) expect(ours.value).toEqual({ svixId: id, timestampSeconds: seconds });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the window: 299 s either way accepted, 302 s refused', async () => {
    const secret = `whsec_${b64(new Uint8Array(24).fill(7))}`;
    const now = Math.floor(Date.now() / 1000);
    const verdicts: string[] = [];
    for (const skew of [-302, -299, 299, 302]) {
      const timestamp = String(now + skew);
      const signature = new Webhook(secret).sign('msg_1', new Date((now + skew) * 1000), '{}');
      const ours = await verifyDelivery(secret, { id: 'msg_1', timestamp, signature }, '{}', new SvixVerifiers());
      verdicts.push(ours.ok ? 'ok' : ours.error);
    }
    expect(verdicts).toEqual(['timestamp_too_old', 'ok', 'ok', 'timestamp_too_new']);
  });
});
