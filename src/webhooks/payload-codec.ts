import { encodeBase64Url } from '../lib/base64url';
import { gunzipText, gzipText } from '../lib/gzip';

/**
 * How `webhook_payloads.payload` holds a raw body: gzip bytes (a BLOB), about 2.5× smaller than the JSON of
 * Clerk's events (BENCHMARKS.md, "Lifecycle"), compressed once when the event is first stored. Rows that
 * migration 0009 moved hold the JSON as text (SQLite's TEXT affinity keeps a BLOB a BLOB, so the column holds
 * either, and `typeof(payload)` tells them apart): both read back as the same text.
 */
export type PackedPayload = string | Uint8Array;

export function packPayload(body: string): Promise<Uint8Array> {
  return gzipText(body);
}

/**
 * The raw body a stored payload holds (text as it is, bytes decompressed). Bytes that are not gzip (a row
 * damaged or written by hand) never throw: they read as `{"unreadable":"gzip","bytes":"<base64url>"}`, which a
 * replay refuses as not a Clerk event (recorded failed for good) and an archive keeps as it is.
 */
export async function unpackPayload(stored: PackedPayload): Promise<string> {
  if (typeof stored === 'string') return stored;
  try {
    return await gunzipText(stored);
  } catch {
    return JSON.stringify({ unreadable: 'gzip', bytes: encodeBase64Url(stored) });
  }
}
