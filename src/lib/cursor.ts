import { AppError } from '../errors';

/**
 * Opaque pagination cursors: `base64url(JSON position) "." base64url(HMAC)`. The MAC
 * covers a scope (e.g. the caller's tenant id), so a cursor minted for another tenant,
 * or edited by hand, fails verification and is answered 400 — it can never select
 * another tenant's rows (the queries filter by the caller's tenant as well).
 */
const MAX_CURSOR_LENGTH = 1024;
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    // A label keeps cursor MACs from being usable for anything else keyed by the same secret.
    const raw = new TextEncoder().encode(`fulcrum-cursor-v1:${secret}`);
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    // Canonical only: atob ignores a final character's unused low bits, so two spellings
    // would decode alike; a cursor has exactly one.
    return toBase64Url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

const message = (scope: string, payload: string) => new TextEncoder().encode(`${scope}\n${payload}`);

/** Signs `position` for `scope`. */
export async function encodeCursor(secret: string, scope: string, position: unknown): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify(position)));
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), message(scope, payload));
  return `${payload}.${toBase64Url(new Uint8Array(mac))}`;
}

/**
 * Verifies and decodes a cursor for `scope`; `parse` validates the position's shape.
 * Anything malformed, tampered or foreign ⇒ 400 `invalid_request` (the reason goes to the log only).
 */
export async function decodeCursor<T>(secret: string, scope: string, cursor: string, parse: (v: unknown) => T | null): Promise<T> {
  const invalid = (reason: string) => new AppError('invalid_request', { message: 'Invalid cursor.', detail: { cursor: reason } });
  if (cursor.length > MAX_CURSOR_LENGTH) throw invalid('too_long');
  const [payload, mac, extra] = cursor.split('.');
  const sig = mac === undefined ? null : fromBase64Url(mac);
  if (payload === undefined || sig === null || extra !== undefined) throw invalid('malformed');
  // Constant-time comparison is crypto.subtle.verify's job.
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret), sig, message(scope, payload));
  if (!ok) throw invalid('bad_mac');
  const bytes = fromBase64Url(payload);
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
