import { env } from 'cloudflare:workers';
import { Webhook } from 'svix';
import fixtures from '../fixtures/clerk-webhook-examples.json';
import { call, callApp, type FetchableApp } from './http';
import { uid } from './ids';

/** Clerk's public sample payloads, by event type (test/fixtures/clerk-webhook-examples.json). */
export const CLERK_SAMPLES = Object.fromEntries(Object.entries(fixtures).filter(([k]) => !k.startsWith('_'))) as Record<
  string,
  { type: string; timestamp: number; data: Record<string, unknown>; [k: string]: unknown }
>;

export type SignOptions = {
  id?: string;
  timestamp?: number;
  secret?: string;
  /** Deliver to this app (an isolate of the test's own) instead of the Worker's entry point. */
  app?: FetchableApp;
};

/** Svix headers for `body`, really signed (HMAC-SHA256) with the test secret unless told otherwise. */
export function svixHeaders(body: string, options: SignOptions = {}): Record<string, string> {
  const id = options.id ?? uid('msg');
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = new Webhook(options.secret ?? env.CLERK_WEBHOOK_SIGNING_SECRET).sign(
    id,
    new Date(timestamp * 1000),
    body,
  );
  return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signature };
}

/** POSTs `body` to the webhook route with the given headers (plus a JSON content type). */
export function postWebhook(
  body: BodyInit | null,
  headers: Record<string, string>,
  app?: FetchableApp,
): Promise<Response> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
  return app ? callApp(app, '/api/webhooks/clerk', init) : call('/api/webhooks/clerk', init);
}

/** Signs and delivers an event (object or raw string); returns the response and the svix id. */
export async function deliver(event: unknown, options: SignOptions = {}) {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const headers = svixHeaders(body, options);
  const res = await postWebhook(body, headers, options.app);
  return { res, svixId: headers['svix-id'] as string };
}

/** A Clerk-shaped event envelope. */
export function clerkEvent(type: string, data: Record<string, unknown>, timestamp: number) {
  return {
    object: 'event',
    type,
    instance_id: 'ins_test',
    timestamp,
    data,
    event_attributes: { http_request: { client_ip: '203.0.113.7', user_agent: 'vitest/1.0' } },
  };
}

/** Row counts of every table webhooks can write. */
export async function rowCounts(): Promise<Record<string, number>> {
  const tables = [
    'tenants',
    'organization_memberships',
    'login_audits',
    'daily_active_users',
    'webhook_events',
    'webhook_payloads',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const row = await env.DB.prepare(`select count(*) as n from ${t}`).first<{ n: number }>();
    out[t] = row?.n ?? 0;
  }
  return out;
}

/** An `organizationMembership.*` event as Clerk sends it (member role), for org `orgId` and user `userId`. */
export function membershipEvent(orgId: string, id: string, userId: string, type: string, at: number, createdAt = at) {
  return clerkEvent(
    type,
    {
      id,
      object: 'organization_membership',
      role: 'org:member',
      permissions: [],
      organization: { id: orgId },
      public_user_data: { user_id: userId },
      created_at: createdAt,
      updated_at: at,
    },
    at,
  );
}
