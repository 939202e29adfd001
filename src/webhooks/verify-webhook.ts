import { Webhook } from 'svix';
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

/** svix `Webhook` instances by secret (it decodes the secret once); per-isolate, built by `createServices`. */
export class SvixVerifiers {
  private readonly bySecret = new Map<string, Webhook>();

  get(secret: string): Webhook {
    let webhook = this.bySecret.get(secret);
    if (!webhook) {
      if (this.bySecret.size >= 8) this.bySecret.clear();
      webhook = new Webhook(secret);
      this.bySecret.set(secret, webhook);
    }
    return webhook;
  }
}

/**
 * Verifies a Svix delivery (https://docs.svix.com/receiving/verifying-payloads/how-manual):
 * HMAC-SHA256 over `${svix-id}.${svix-timestamp}.${raw body}` with the `whsec_` secret,
 * any `v1` entry of `svix-signature` may match (key rotation), and the timestamp must be
 * within ±5 minutes (svix's tolerance) to stop replays of captured deliveries. The
 * comparison is svix's constant-time one.
 *
 * Stricter than svix where it is lax: svix `parseInt`s the timestamp (`"1716883200abc"`
 * passes) and accepts any id; we require digits and a bounded, PK-safe id.
 */
export function verifyDelivery(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  verifiers: SvixVerifiers,
): Result<VerifiedDelivery, VerifyFailure> {
  if (!headers.id) return err('missing_svix_id');
  if (!headers.timestamp) return err('missing_svix_timestamp');
  if (!headers.signature) return err('missing_svix_signature');
  if (!SVIX_ID_PATTERN.test(headers.id)) return err('malformed_svix_id');
  if (!/^\d{1,12}$/.test(headers.timestamp)) return err('malformed_svix_timestamp');
  if (headers.signature.length > MAX_SIGNATURE_HEADER) return err('malformed_svix_signature');
  const webhook = verifiers.get(secret);
  try {
    // svix@2: verify() throws on failure and returns undefined on success; the caller
    // parses the raw body itself (headers as a plain object, names lower-case).
    webhook.verify(body, {
      'svix-id': headers.id,
      'svix-timestamp': headers.timestamp,
      'svix-signature': headers.signature,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const reason = /too old/.test(message)
      ? 'timestamp_too_old'
      : /too new/.test(message)
        ? 'timestamp_too_new'
        : 'bad_signature';
    return err(reason);
  }
  return ok({ svixId: headers.id, timestampSeconds: Number(headers.timestamp) });
}
