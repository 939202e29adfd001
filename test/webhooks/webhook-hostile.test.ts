import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'svix';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { call, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, postWebhook, rowCounts, svixHeaders } from '../helpers/webhooks';

const now = () => Math.floor(Date.now() / 1000);
const userEvent = () => clerkEvent('user.created', { id: uid('user'), first_name: 'Hostile' }, Date.now());
const MiB = 1024 * 1024;

/** Each case: a delivery that must be refused with 4xx and must write nothing. */
type Case = { name: string; status?: number; code?: string; send: () => Promise<Response> };

const withHeaders = (mutate: (h: Record<string, string>, body: string) => void, body = JSON.stringify(userEvent())) => {
  const headers = svixHeaders(body);
  mutate(headers, body);
  return postWebhook(body, headers);
};
const setHeader = (h: Record<string, string>, name: string, value: string) => {
  h[name] = value;
};
const signedRaw = (body: string) => postWebhook(body, svixHeaders(body));

const cases: Case[] = [
  { name: 'no svix headers at all', send: () => postWebhook(JSON.stringify(userEvent()), {}) },
  { name: 'svix-id missing', send: () => withHeaders((h) => delete h['svix-id']) },
  { name: 'svix-timestamp missing', send: () => withHeaders((h) => delete h['svix-timestamp']) },
  { name: 'svix-signature missing', send: () => withHeaders((h) => delete h['svix-signature']) },
  {
    name: 'bad signature',
    send: () => withHeaders((h) => setHeader(h, 'svix-signature', `v1,${btoa('x'.repeat(32))}`)),
  },
  {
    name: 'signature of the re-serialised body',
    send: () => {
      const event = userEvent();
      const headers = svixHeaders(JSON.stringify(event, null, 2));
      return postWebhook(JSON.stringify(event), headers);
    },
  },
  {
    name: 'body changed after signing (one byte)',
    send: () => {
      const body = JSON.stringify(userEvent());
      return postWebhook(body.replace('Hostile', 'Hostilf'), svixHeaders(body));
    },
  },
  { name: 'stale timestamp (-10 min), correctly signed', send: () => signedWith({ timestamp: now() - 600 }) },
  { name: 'future timestamp (+10 min), correctly signed', send: () => signedWith({ timestamp: now() + 600 }) },
  { name: 'non-numeric timestamp', send: () => withHeaders((h) => setHeader(h, 'svix-timestamp', 'yesterday')) },
  {
    // svix parseInt()s the header, so "<now>abc" would pass its check with a valid signature.
    name: 'timestamp with trailing garbage, signed over its numeric prefix',
    send: () => withHeaders((h) => setHeader(h, 'svix-timestamp', `${h['svix-timestamp']}abc`)),
  },
  { name: 'wrong secret', send: () => signedWith({ secret: `whsec_${btoa('another-secret-entirely-32-bytes!')}` }) },
  { name: 'signature for another svix-id', send: () => withHeaders((h) => setHeader(h, 'svix-id', uid('msg'))) },
  { name: 'malformed svix-id (spaces, 300 chars)', send: () => postWithId(`msg ${'x'.repeat(300)}`) },
  { name: 'empty body, unsigned', send: () => postWebhook('', {}) },
  { name: 'empty body, validly signed', send: () => signedRaw('') },
  { name: 'valid signature over non-JSON', send: () => signedRaw('type=user.created&data=1') },
  { name: 'valid signature over a JSON array', send: () => signedRaw(JSON.stringify([userEvent()])) },
  { name: 'valid signature over a JSON string', send: () => signedRaw('"user.created"') },
  { name: 'valid signature, type missing', send: () => signedRaw(JSON.stringify({ data: { id: uid('user') } })) },
  {
    name: 'valid signature, data missing',
    send: () => signedRaw(JSON.stringify({ type: 'user.created', timestamp: 1 })),
  },
  {
    name: 'valid signature, data is an array',
    send: () => signedRaw(JSON.stringify({ type: 'user.created', data: [] })),
  },
  {
    name: 'duplicated bad signature entries',
    send: () =>
      withHeaders((h) => setHeader(h, 'svix-signature', `v1,${btoa('a'.repeat(32))} v1,${btoa('a'.repeat(32))}`)),
  },
  {
    name: 'right signature under an unknown version (v2)',
    send: () =>
      withHeaders((h) => setHeader(h, 'svix-signature', (h['svix-signature'] as string).replace('v1,', 'v2,'))),
  },
  {
    name: 'huge signature header',
    send: () => withHeaders((h) => setHeader(h, 'svix-signature', `${h['svix-signature']} ${'v1,AAAA '.repeat(600)}`)),
  },
  {
    name: 'invalid UTF-8 body',
    send: () => {
      const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
      return postWebhook(bytes, svixHeaders(new TextDecoder().decode(bytes)));
    },
  },
  {
    name: 'oversize body with Content-Length',
    status: 413,
    code: 'payload_too_large',
    send: () => signedRaw(JSON.stringify({ ...userEvent(), pad: 'x'.repeat(MiB) })),
  },
  {
    name: 'oversize body streamed without Content-Length',
    status: 413,
    code: 'payload_too_large',
    send: () => {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > 2 * MiB) return controller.close();
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      return postWebhook(stream, svixHeaders('irrelevant'));
    },
  },
];

function signedWith(options: { timestamp?: number; secret?: string }) {
  const body = JSON.stringify(userEvent());
  return postWebhook(body, svixHeaders(body, options));
}

function postWithId(id: string) {
  const body = JSON.stringify(userEvent());
  const headers = svixHeaders(body);
  const signature = new Webhook(env.CLERK_WEBHOOK_SIGNING_SECRET).sign(id, new Date(now() * 1000), body);
  return postWebhook(body, { ...headers, 'svix-id': id, 'svix-timestamp': String(now()), 'svix-signature': signature });
}

describe('hostile webhook deliveries', () => {
  let logs: string[];
  beforeEach(() => {
    logs = [];
    for (const level of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((line: unknown) => void logs.push(String(line)));
  });
  afterEach(() => vi.restoreAllMocks());

  it(`has at least 20 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(20));

  for (const c of cases) {
    it(`refuses: ${c.name}`, async () => {
      const before = await rowCounts();
      const res = await c.send();
      expect(res.status).toBeLessThan(500);
      const error = await expectError(res, c.status ?? 400, c.code ?? 'invalid_request');
      // Generic message: no hint of which check failed.
      expect(error.message).not.toMatch(/signature|timestamp|secret|header/i);
      expect(await rowCounts()).toEqual(before);
      const joined = logs.join('\n');
      expect(joined).toContain('webhook.rejected');
      expect(joined).not.toContain(env.CLERK_WEBHOOK_SIGNING_SECRET);
    });
  }

  it('accepts duplicated *valid* signature entries and a rotation list with one good entry', async () => {
    const body = JSON.stringify(userEvent());
    const headers = svixHeaders(body);
    const good = headers['svix-signature'] as string;
    headers['svix-signature'] = `v1,${btoa('old-key-signature-000000000000000')} ${good} ${good}`;
    const res = await postWebhook(body, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
  });

  it('accepts a body of exactly 1 MiB (the limit is inclusive), streamed or with Content-Length', async () => {
    const event = userEvent();
    const skeleton = JSON.stringify({ ...event, pad: '' });
    const body = JSON.stringify({ ...event, pad: 'x'.repeat(MiB - new TextEncoder().encode(skeleton).byteLength) });
    expect(new TextEncoder().encode(body).byteLength).toBe(MiB);
    expect((await postWebhook(body, svixHeaders(body))).status).toBe(200);
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.slice(i, i + 65_536));
        controller.close();
      },
    });
    const res = await postWebhook(stream, svixHeaders(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
  });

  it('acknowledges an unknown event type and records it as ignored, with no effects', async () => {
    const before = await rowCounts();
    const { res, svixId } = await deliver(clerkEvent('email.created', { id: uid('ema') }, Date.now()));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    const row = await env.DB.prepare('select status, attempts from webhook_events where svix_id = ?')
      .bind(svixId)
      .first();
    expect(row).toEqual({ status: 'ignored', attempts: 1 });
    expect(await rowCounts()).toEqual({
      ...before,
      webhook_events: (before.webhook_events ?? 0) + 1,
      webhook_payloads: (before.webhook_payloads ?? 0) + 1,
    });
  });

  it('a known type with invalid data ⇒ 400, recorded failed (no retry), no effects', async () => {
    const before = await rowCounts();
    const { res, svixId } = await deliver(clerkEvent('session.created', { id: uid('sess') }, Date.now()));
    await expectError(res, 400, 'invalid_request');
    const row = await env.DB.prepare('select status, next_attempt_at, last_error from webhook_events where svix_id = ?')
      .bind(svixId)
      .first();
    expect(row).toMatchObject({ status: 'failed', next_attempt_at: null });
    expect(String(row?.last_error)).toContain('user_id');
    expect(await rowCounts()).toEqual({
      ...before,
      webhook_events: (before.webhook_events ?? 0) + 1,
      webhook_payloads: (before.webhook_payloads ?? 0) + 1,
    });
  });

  it('GET on the webhook route ⇒ 405 with Allow: POST', async () => {
    const res = await call('/api/webhooks/clerk');
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('answers 503 misconfigured without a signing secret, reading nothing', async () => {
    const ctx = createExecutionContext();
    const body = JSON.stringify(userEvent());
    const req = new Request('https://edge.fulcrum.test/api/webhooks/clerk', {
      method: 'POST',
      body,
      headers: svixHeaders(body),
    });
    const res = await createApp().fetch(req, { ...env, CLERK_WEBHOOK_SIGNING_SECRET: undefined }, ctx);
    await waitOnExecutionContext(ctx);
    const error = await expectError(res, 503, 'misconfigured');
    expect(JSON.stringify(error)).toContain('CLERK_WEBHOOK_SIGNING_SECRET');
  });
});
