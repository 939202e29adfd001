// Node-side signing shared by the dev tools, the drill and the benchmarks: Clerk-shaped
// RS256 session tokens and Svix-signed webhook deliveries. (Tests in workerd sign with
// Web Crypto in test/helpers/.)
import { createSign, type KeyObject } from 'node:crypto';
import type { Webhook } from 'svix';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An RS256 JWS over exactly `header` and `payload`, signed with a node:crypto private key. */
export function signRs256(header: object, payload: object, privateKey: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

/** Headers of a Svix delivery of `body` (a svix `Webhook` signs; Svix keeps `svixId` on retries). */
export function svixHeaders(webhook: Webhook, svixId: string, body: string, now = new Date()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'svix-id': svixId,
    'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
    'svix-signature': webhook.sign(svixId, now, body),
  };
}
