import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { CacheLike } from '../../src/revocation/revocation-state';
import { createServices } from '../../src/services/services';
import { capturedOrigin, gatewayBindings } from '../gateway/harness';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';
import { callApp, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, deliver, rowCounts } from '../helpers/webhooks';

/** A new isolate (cold: its own services) of a colo whose Cache API is `cache`. */
function isolate(cache: CacheLike) {
  return createApp({ services: createServices({ revocationCache: () => cache }) });
}
const colo = async () => (await caches.open(uid('colo'))) as unknown as CacheLike;

/** The REVOCATIONS binding of an object that cannot be reached. */
const unreachable = {
  getByName: () => {
    const down = () => Promise.reject(new Error('object unreachable'));
    return { snapshot: down, check: down, revoke: down, stats: down };
  },
};

const me = (app: ReturnType<typeof createApp>, token: string, bindings: object = env) =>
  callApp(app, '/v1/me', { headers: bearer(token) }, bindings);

let clerk: ClerkMock | undefined;
afterEach(() => {
  clerk?.restore();
  clerk = undefined;
});

describe('revocation webhooks', () => {
  it('a session.revoked webhook is refused on another (cold) isolate, 401 invalid_token like an expired token', async () => {
    const [userId, sessionId] = [uid('user'), uid('sess')];
    const token = await mintSessionToken({ userId, sessionId });
    const cache = await colo();
    const before = isolate(cache);
    expect((await me(before, token)).status).toBe(200);
    const receiver = isolate(cache);
    const { res } = await deliver(clerkEvent('session.revoked', { id: sessionId, user_id: userId }, Date.now()), {
      app: receiver,
    });
    expect(res.status).toBe(200);
    await expectError(await me(isolate(await colo()), token), 401, 'invalid_token');
    // Another session of the same user goes on.
    expect((await me(isolate(await colo()), await mintSessionToken({ userId, sessionId: uid('sess') }))).status).toBe(
      200,
    );
  });

  it('a ban refuses only tokens issued before it; replays and an older update change nothing', async () => {
    const userId = uid('user');
    const bannedAt = Date.now();
    const old = await mintSessionToken({ userId, sessionId: uid('sess'), iat: Math.floor(bannedAt / 1000) - 5 });
    const later = await mintSessionToken({ userId, sessionId: uid('sess'), iat: Math.floor(bannedAt / 1000) + 1 });
    const ban = clerkEvent('user.updated', { id: userId, banned: true, first_name: 'B' }, bannedAt);
    const first = await deliver(ban);
    expect(first.res.status).toBe(200);
    // Redelivered (same svix-id): a duplicate, still refused.
    const again = await deliver(ban, { id: first.svixId });
    expect(await again.res.json()).toEqual({ received: true, duplicate: true });
    // Out of order: an older update (not banned) arrives after the ban.
    expect(
      (await deliver(clerkEvent('user.updated', { id: userId, banned: false }, bannedAt - 10_000))).res.status,
    ).toBe(200);
    await expectError(await me(isolate(await colo()), old), 401, 'invalid_token');
    expect((await me(isolate(await colo()), later)).status).toBe(200);
  });

  it('an event older than a token lifetime writes nothing that refuses (its tokens have expired)', async () => {
    const [userId, sessionId] = [uid('user'), uid('sess')];
    const { res } = await deliver(
      clerkEvent('session.ended', { id: sessionId, user_id: userId }, Date.now() - 120_000),
    );
    expect(res.status).toBe(200);
    expect((await me(isolate(await colo()), await mintSessionToken({ userId, sessionId }))).status).toBe(200);
  });

  it('a failing revocation store fails the webhook (5xx, Svix retries) with no D1 effect; the retry applies it', async () => {
    const [userId, sessionId] = [uid('user'), uid('sess')];
    const event = clerkEvent('session.revoked', { id: sessionId, user_id: userId }, Date.now());
    const before = await rowCounts();
    const app = createApp();
    const body = JSON.stringify(event);
    const failed = await deliver(body, {
      app: { fetch: (r, _e, ctx) => app.fetch(r, { ...env, REVOCATIONS: unreachable }, ctx) },
    });
    expect(failed.res.status).toBe(503); // storage_unavailable + Retry-After: Svix retries
    const after = await rowCounts();
    expect(after.login_audits).toBe(before.login_audits);
    const row = await env.DB.prepare('select status from webhook_events where svix_id = ?').bind(failed.svixId).first();
    expect(row).toEqual({ status: 'failed' });
    const retried = await deliver(body, { id: failed.svixId });
    expect(retried.res.status).toBe(200);
    await expectError(
      await me(isolate(await colo()), await mintSessionToken({ userId, sessionId })),
      401,
      'invalid_token',
    );
  });
});

describe('admin revocation routes', () => {
  const adminToken = () => mintSessionToken({ userId: 'user_admin', sessionId: uid('sess'), fva: [1, 1] });
  const post = async (path: string, bindings: object = env) =>
    callApp(isolate(await colo()), path, { method: 'POST', headers: bearer(await adminToken()) }, bindings);

  it('revokes a session at Clerk, then at the edge, before the 200', async () => {
    const [userId, sessionId] = [uid('user'), uid('sess')];
    clerk = mockClerk({ [`/v1/sessions/${sessionId}/revoke`]: () => json({ id: sessionId, status: 'revoked' }) });
    const res = await post(`/v1/admin/sessions/${sessionId}/revoke`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      sessionId,
      edge: { denied: true },
      clerk: { status: 'ok', result: 'revoked' },
    });
    await expectError(
      await me(isolate(await colo()), await mintSessionToken({ userId, sessionId })),
      401,
      'invalid_token',
    );
  });

  it("with Clerk's API down the entry is still written, and the answer is 502 bad_gateway saying so", async () => {
    const [userId, sessionId] = [uid('user'), uid('sess')];
    clerk = mockClerk({ [`/v1/sessions/${sessionId}/revoke`]: () => json({ errors: [] }, 503) });
    const res = await post(`/v1/admin/sessions/${sessionId}/revoke`);
    const error = await expectError(res, 502, 'bad_gateway');
    expect(error).toMatchObject({
      sessionId,
      edge: { denied: true },
      clerk: { status: 'failed', reason: 'http', httpStatus: 503 },
    });
    await expectError(
      await me(isolate(await colo()), await mintSessionToken({ userId, sessionId })),
      401,
      'invalid_token',
    );
  });

  it('signs a user out everywhere: each active session revoked at Clerk, plus a user entry', async () => {
    const userId = uid('user');
    const sessions = [uid('sess'), uid('sess')];
    const revoked: string[] = [];
    clerk = mockClerk({
      '/v1/sessions': (req) => {
        const url = new URL(req.url);
        expect([url.searchParams.get('user_id'), url.searchParams.get('status')]).toEqual([userId, 'active']);
        return json(sessions.map((id) => ({ id, user_id: userId, status: 'active' })));
      },
      ...Object.fromEntries(
        sessions.map((id) => [
          `/v1/sessions/${id}/revoke`,
          () => {
            revoked.push(id);
            return json({ id });
          },
        ]),
      ),
    });
    const old = await mintSessionToken({ userId, sessionId: uid('sess'), iat: Math.floor(Date.now() / 1000) - 2 });
    const res = await post(`/v1/admin/users/${userId}/sign-out`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId,
      sessions: { listed: 2, revokedAtClerk: 2 },
      clerk: { status: 'ok' },
    });
    expect(revoked.sort()).toEqual([...sessions].sort());
    await expectError(await me(isolate(await colo()), old), 401, 'invalid_token');
    const fresh = await mintSessionToken({ userId, sessionId: uid('sess'), iat: Math.floor(Date.now() / 1000) + 2 });
    expect((await me(isolate(await colo()), fresh)).status).toBe(200);
  });

  it('refuses hostile ids before any call', async () => {
    clerk = mockClerk({});
    await expectError(await post('/v1/admin/sessions/..%2Fusers/revoke'), 400, 'invalid_request');
    await expectError(await post('/v1/admin/users/user_a%20b/sign-out'), 400, 'invalid_request');
    expect(clerk.calls).toHaveLength(0);
  });

  it('admin is strict: a revoked admin session is refused at once; an unreachable object is 503 auth_unavailable', async () => {
    const sessionId = uid('sess');
    const token = await mintSessionToken({ userId: 'user_admin', sessionId, fva: [1, 1] });
    const app = isolate(await colo());
    const list = () => callApp(app, '/v1/admin/usage', { headers: bearer(token) });
    expect((await list()).status).toBe(200); // this isolate now holds a snapshot without the entry
    await env.REVOCATIONS.getByName('global').revoke([{ kind: 'session', id: sessionId, at: Date.now() }]);
    await expectError(await list(), 401, 'invalid_token');
    const down = await callApp(
      app,
      '/v1/admin/usage',
      { headers: bearer(await adminToken()) },
      { ...env, REVOCATIONS: unreachable },
    );
    await expectError(down, 503, 'auth_unavailable');
    expect(down.headers.get('retry-after')).toBe('5');
  });
});

describe('strict gateway routes and the degraded path', () => {
  it('a "revocation": "strict" route refuses at once; with the object unreachable it is 503, ordinary ones go on', async () => {
    const origin = capturedOrigin();
    const routes = [{ prefix: '/strict/', revocation: 'strict' }, { prefix: '/plain/' }];
    const bindings = await gatewayBindings(routes, origin);
    const [userId, sessionId] = [uid('user'), uid('sess')];
    const token = await mintSessionToken({ userId, sessionId });
    const app = isolate(await colo());
    const get = (path: string, b: object = bindings) => callApp(app, path, { headers: bearer(token) }, b);
    expect((await get('/strict/x')).status).toBe(200);
    expect((await get('/plain/x')).status).toBe(200);
    await env.REVOCATIONS.getByName('global').revoke([{ kind: 'session', id: sessionId, at: Date.now() }]);
    await expectError(await get('/strict/x'), 401, 'invalid_token');
    // The object unreachable: strict answers 503, ordinary routes go on, readiness says degraded.
    const down = { ...bindings, REVOCATIONS: unreachable };
    const other = await mintSessionToken({ userId: uid('user'), sessionId: uid('sess') });
    const strict = await callApp(app, '/strict/x', { headers: bearer(other) }, down);
    await expectError(strict, 503, 'auth_unavailable');
    expect((await callApp(app, '/plain/x', { headers: bearer(other) }, down)).status).toBe(200);
    const ready = await callApp(app, '/health/ready', {}, down);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks.revocation).toMatchObject({
      status: 'degraded',
      object: { status: 'unreachable' },
    });
    // The refused request never reached the origin: only the first one did.
    expect(origin.received.filter((r) => r.url.pathname === '/strict/x')).toHaveLength(1);
  });

  it("readiness reports the object and this isolate's copy", async () => {
    const app = isolate(await colo());
    await me(app, await mintSessionToken({ userId: uid('user'), sessionId: uid('sess') }));
    const body = (await (await callApp(app, '/health/ready')).json()) as { checks: Record<string, unknown> };
    expect(body.checks.revocation).toMatchObject({
      status: 'ok',
      object: { status: 'ok' },
      isolate: { status: 'ok', refreshMs: 2000 },
    });
  });
});
