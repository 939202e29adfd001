import { AppError } from '../errors';
import { decodeBase64Url, encodeBase64Url } from './base64url';

/**
 * Opaque pagination cursors: `base64url(JSON position) "." base64url(HMAC)`. The MAC
 * covers a scope (e.g. the caller's tenant id), so a cursor minted for another tenant,
 * or edited by hand, fails verification and is answered 400 — it can never select
 * another tenant's rows (the queries filter by the caller's tenant as well).
 */
const MAX_CURSOR_LENGTH = 1024;
const encoder = new TextEncoder();
const message = (scope: string, payload: string) => encoder.encode(`${scope}\n${payload}`);

/** Signs and verifies cursors; holds the imported HMAC keys (per-isolate state, built by `createServices`). */
export class CursorCodec {
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  private key(secret: string): Promise<CryptoKey> {
    let key = this.keys.get(secret);
    if (!key) {
      // A label keeps cursor MACs from being usable for anything else keyed by the same secret.
      const raw = encoder.encode(`fulcrum-cursor-v1:${secret}`);
      key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
      this.keys.set(secret, key);
    }
    return key;
  }

  /** Signs `position` for `scope`. */
  async encode(secret: string, scope: string, position: unknown): Promise<string> {
    const payload = encodeBase64Url(JSON.stringify(position));
    const mac = await crypto.subtle.sign('HMAC', await this.key(secret), message(scope, payload));
    return `${payload}.${encodeBase64Url(mac)}`;
  }

  /**
   * Verifies and decodes a cursor for `scope`; `parse` validates the position's shape.
   * Anything malformed, tampered or foreign ⇒ 400 `invalid_request` (the reason goes to the log only).
   */
  async decode<T>(secret: string, scope: string, cursor: string, parse: (v: unknown) => T | null): Promise<T> {
    const invalid = (reason: string) =>
      new AppError('invalid_request', { message: 'Invalid cursor.', detail: { cursor: reason } });
    if (cursor.length > MAX_CURSOR_LENGTH) throw invalid('too_long');
    const [payload, mac, extra] = cursor.split('.');
    // Canonical base64url only: two spellings of one MAC or payload would otherwise both verify.
    const sig = mac === undefined ? null : decodeBase64Url(mac);
    if (payload === undefined || sig === null || extra !== undefined) throw invalid('malformed');
    // Constant-time comparison is crypto.subtle.verify's job.
    const ok = await crypto.subtle.verify('HMAC', await this.key(secret), sig, message(scope, payload));
    if (!ok) throw invalid('bad_mac');
    const bytes = decodeBase64Url(payload);
    let value: unknown;
    try {
      value = bytes && JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw invalid('bad_json');
    }
    const position = parse(value);
    if (position === null) throw invalid('bad_shape');
    return position;
  }
}
