import { err, ok, type Result } from '../lib/result';
import { SVIX_ID_PATTERN } from './svix-id';

/** The reason a delivery failed verification: logged, never sent to the client. */
export type VerifyFailure =
  | 'missing_svix_id'
  | 'missing_svix_timestamp'
  | 'missing_svix_signature'
  | 'malformed_svix_id'
  | 'malformed_svix_timestamp'
  | 'malformed_svix_signature'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'bad_signature';

export type VerifiedDelivery = { svixId: string; timestampSeconds: number };

// Several space-separated `v1,<base64>` entries when the secret is being rotated; bounded
// so a hostile header cannot make us compare thousands of entries.
const MAX_SIGNATURE_HEADER = 2048;

/** Svix's replay window (its WEBHOOK_TOLERANCE_IN_SECONDS): a delivery more than 5 minutes old or ahead is refused. */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * HMAC keys by secret (the `whsec_` secret decoded and imported once); per-isolate, built by `createServices`.
 * WebCrypto, not the svix package: svix's verifier brings a JavaScript SHA-256 and base64 (about 4 KiB gzip of the
 * Worker's bundle) for what `crypto.subtle` does natively.
 */
export class SvixVerifiers {
  private readonly bySecret = new Map<string, Promise<CryptoKey>>();

  get(secret: string): Promise<CryptoKey> {
    let key = this.bySecret.get(secret);
    if (!key) {
      if (this.bySecret.size >= 8) this.bySecret.clear();
      // `whsec_` + padded base64: the configuration refuses any other form (isSvixSecret).
      const raw = Uint8Array.from(atob(secret.slice('whsec_'.length)), (ch) => ch.charCodeAt(0));
      key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      key.catch(() => this.bySecret.delete(secret));
      this.bySecret.set(secret, key);
    }
    return key;
  }
}

/**
 * Verifies a Svix delivery (https://docs.svix.com/receiving/verifying-payloads/how-manual), as svix's own
 * `Webhook.verify` does: HMAC-SHA256 over `${svix-id}.${svix-timestamp}.${raw body}` with the `whsec_` secret,
 * base64; any `v1` entry of `svix-signature` may match (key rotation), compared in constant time; the timestamp
 * must be within ±5 minutes (svix's tolerance, against the wall clock as svix reads it) to stop replays of captured
 * deliveries. test/webhooks/verify-webhook.test.ts holds it to svix's answers.
 *
 * Stricter than svix where it is lax: svix `parseInt`s the timestamp (`"1716883200abc"`
 * passes) and accepts any id; we require digits and a bounded, PK-safe id.
 */
export async function verifyDelivery(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  verifiers: SvixVerifiers,
): Promise<Result<VerifiedDelivery, VerifyFailure>> {
  if (!headers.id) return err('missing_svix_id');
  if (!headers.timestamp) return err('missing_svix_timestamp');
  if (!headers.signature) return err('missing_svix_signature');
  if (!SVIX_ID_PATTERN.test(headers.id)) return err('malformed_svix_id');
  if (!/^\d{1,12}$/.test(headers.timestamp)) return err('malformed_svix_timestamp');
  if (headers.signature.length > MAX_SIGNATURE_HEADER) return err('malformed_svix_signature');
  const timestampSeconds = Number(headers.timestamp);
  const now = Math.floor(Date.now() / 1000);
  if (now - timestampSeconds > TOLERANCE_SECONDS) return err('timestamp_too_old');
  if (timestampSeconds > now + TOLERANCE_SECONDS) return err('timestamp_too_new');
  const signed = new TextEncoder().encode(`${headers.id}.${timestampSeconds}.${body}`);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await verifiers.get(secret), signed));
  const expected = new TextEncoder().encode(btoa(String.fromCharCode(...mac)));
  for (const entry of headers.signature.split(' ')) {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || signature === undefined) continue;
    const given = new TextEncoder().encode(signature);
    if (given.length === expected.length && crypto.subtle.timingSafeEqual(given, expected)) {
      return ok({ svixId: headers.id, timestampSeconds });
    }
  }
  return err('bad_signature');
}
