import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { type AuthenticateOptions, authenticate } from '../../src/auth/authenticate';
import { createBaseApp } from '../../src/base-app';
import { createServices } from '../../src/services/services';
import { seedTenant } from '../helpers/api-app';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';
import { callApp, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import {
  type FakeAnswer,
  fakeMachineApi,
  mintM2MJwt,
  mintOAuthJwt,
  randomOpaque,
  verifiedBody,
} from '../helpers/machine-tokens';
import { bearer, mintSessionToken } from '../helpers/tokens';

const app = createApp();
let clerk: ClerkMock | undefined;
afterEach(() => {
  clerk?.restore();
  clerk = undefined;
  vi.useRealTimers();
});

/** A fresh configuration object: its own per-isolate verifiers and caches (a cold isolate). */
const isolate = (overrides: Record<string, unknown> = {}) => ({ ...env, ...overrides }) as typeof env;

/** A fake Backend API over `table`, installed as the Clerk mock. */
function backend(table = new Map<string, FakeAnswer>()) {
  const api = fakeMachineApi(table);
  clerk = mockClerk(api.routes);
  return { table, api };
}

const me = (bindings: typeof env, token: string, headers: Record<string, string> = {}) =>
  callApp(app, '/v1/me', { headers: { ...bearer(token), ...headers } }, bindings);

function issue(
  table: Map<string, FakeAnswer>,
  kind: 'api_key' | 'm2m_token' | 'oauth_token',
  subject: string,
  extra: Record<string, unknown> = {},
) {
  const token = randomOpaque(kind === 'api_key' ? 'ak_' : kind === 'm2m_token' ? 'mt_' : 'oat_');
  table.set(token, { status: 200, body: verifiedBody(kind, { subject, ...extra }) });
  return token;
}

describe('GET /v1/me accepts every token type', () => {
  it('an API key for a user: tokenType, subject, scopes, and that user’s tenant (just in time)', async () => {
    const { table, api } = backend();
    const userId = uid('user');
    const token = issue(table, 'api_key', userId, { scopes: ['read', 'write'] });
    const res = await me(isolate(), token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      tokenType: 'api_key',
      subject: userId,
      userId,
      sessionId: null,
      scopes: ['read', 'write'],
      tenant: { id: userId, kind: 'user' },
    });
    expect(api.calls['/api_keys/verify']).toBe(1);
    expect(api.authorizations).toEqual([`Bearer ${env.CLERK_SECRET_KEY}`]);
    const sent = clerk!.calls[0]!;
    expect(new URL(sent.url).pathname).toBe('/api_keys/verify'); // no /v1 prefix
    expect(sent.headers.get('clerk-api-version')).toBe('2026-05-12');
  });

  it('an API key for an organization maps to the organization’s tenant; archived ⇒ 403', async () => {
    const { table } = backend();
    const orgId = uid('org');
    await seedTenant({ id: orgId, kind: 'organization' });
    const bindings = isolate();
    const res = await me(bindings, issue(table, 'api_key', orgId));
    expect(await res.json()).toMatchObject({
      tokenType: 'api_key',
      orgId,
      userId: null,
      tenant: { id: orgId, kind: 'organization' },
    });
    const archived = uid('org');
    await seedTenant({ id: archived, kind: 'organization', status: 'archived' });
    await expectError(await me(bindings, issue(table, 'api_key', archived)), 403, 'tenant_archived');
  });

  it('an opaque M2M token has no tenant; with CLERK_MACHINE_SECRET_KEY it is verified with that key', async () => {
    const { table, api } = backend();
    const token = issue(table, 'm2m_token', 'mch_worker_1', { scopes: ['mch_peer'] });
    const res = await me(isolate({ CLERK_MACHINE_SECRET_KEY: 'ak_machine_secret_test' }), token);
    expect(await res.json()).toMatchObject({
      tokenType: 'm2m_token',
      subject: 'mch_worker_1',
      userId: null,
      tenant: null,
      scopes: ['mch_peer'],
    });
    expect(api.authorizations).toEqual(['Bearer ak_machine_secret_test']);
  });

  it('an opaque OAuth token acts for the user who granted it', async () => {
    const { table } = backend();
    const userId = uid('user');
    const res = await me(isolate(), issue(table, 'oauth_token', userId, { scopes: ['profile'] }));
    expect(await res.json()).toMatchObject({
      tokenType: 'oauth_token',
      subject: userId,
      userId,
      tenant: { id: userId },
    });
  });

  it('JWT forms verify locally: no Clerk call, even with Clerk down', async () => {
    clerk = mockClerk({}); // every call would be unhandled
    const bindings = isolate();
    const m2m = await me(bindings, await mintM2MJwt({ sub: 'mch_jwt_1' }));
    expect(await m2m.json()).toMatchObject({
      tokenType: 'm2m_token',
      subject: 'mch_jwt_1',
      tenant: null,
      scopes: ['mch_peer_1', 'mch_peer_2'],
    });
    const userId = uid('user');
    const oauth = await me(bindings, await mintOAuthJwt({ sub: userId }));
    expect(await oauth.json()).toMatchObject({ tokenType: 'oauth_token', subject: userId, scopes: ['read', 'write'] });
    expect(clerk.calls).toEqual([]);
  });

  it('a session token still answers as before, plus tokenType/subject/scopes', async () => {
    const res = await me(isolate(), await mintSessionToken({ userId: 'user_me_session' }));
    expect(await res.json()).toMatchObject({
      tokenType: 'session_token',
      subject: 'user_me_session',
      userId: 'user_me_session',
      scopes: [],
    });
  });
});

describe('refusals', () => {
  it('a 200 saying revoked, expired or active:false is 401 (Clerk would sign it in)', async () => {
    const { table } = backend();
    const bindings = isolate();
    const tokens = [
      issue(table, 'api_key', 'user_r', { revoked: true }),
      issue(table, 'm2m_token', 'mch_e', { expired: true }),
      issue(table, 'api_key', 'user_x', { expiration: Date.now() - 1000 }),
    ];
    const inactive = randomOpaque('oat_');
    table.set(inactive, { status: 200, body: { active: false } });
    for (const t of [...tokens, inactive, randomOpaque('ak_')])
      await expectError(await me(bindings, t), 401, 'invalid_token');
  });

  it('an ak_ on a session-only route: 401 and 0 Clerk calls', async () => {
    const { table, api } = backend();
    const token = issue(table, 'api_key', 'user_session_only');
    for (const path of ['/v1/tenant', '/v1/audit/logins', '/v1/orgs/current']) {
      await expectError(await callApp(app, path, { headers: bearer(token) }, isolate()), 401, 'invalid_token');
    }
    expect(api.total()).toBe(0);
  });

  it('oversize, non-ASCII and malformed machine tokens: 401, no Clerk call, never 5xx', async () => {
    const { api } = backend();
    const bindings = isolate();
    const hostile = [
      `ak_${'a'.repeat(5000)}`,
      `mt_${'b'.repeat(300)}`,
      'oat_short',
      'ak_abc.def.ghi',
      `oat_${'x'.repeat(20)}%00`,
    ];
    for (const t of hostile) await expectError(await me(bindings, t), 401, 'invalid_token');
    // Non-ASCII never reaches a header value intact; sent as raw bytes it is refused before any parsing.
    for (const raw of ['ak_ümlautümlautümlaut', 'mt_токен-токен-токен-токен']) {
      const res = await callApp(
        app,
        '/v1/me',
        { headers: { authorization: `Bearer ${encodeURIComponent(raw)}` } },
        bindings,
      );
      await expectError(res, 401, 'invalid_token');
    }
    expect(api.total()).toBe(0);
  });

  it('a session token where only machine types are accepted is 401 without verification', async () => {
    const probe = createBaseApp(createServices()).get('/m', async (c) =>
      c.json({
        auth: await authenticate(c, { accept: ['api_key', 'm2m_token', 'oauth_token'] } satisfies AuthenticateOptions),
      }),
    );
    const res = await callApp(probe, '/m', { headers: bearer(await mintSessionToken()) }, isolate());
    await expectError(res, 401, 'invalid_token');
    // …and a machine JWT on a route that only takes API keys.
    const keyOnly = createBaseApp(createServices()).get('/k', async (c) =>
      c.json({ auth: await authenticate(c, { accept: ['api_key'] }) }),
    );
    await expectError(
      await callApp(keyOnly, '/k', { headers: bearer(await mintM2MJwt()) }, isolate()),
      401,
      'invalid_token',
    );
  });

  it(
    'a machine token in the __session cookie is refused (Clerk reads ' + 'machine tokens from the header only)',
    async () => {
      const { table, api } = backend();
      const token = issue(table, 'api_key', 'user_cookie');
      await expectError(
        await callApp(app, '/v1/me', { headers: { cookie: `__session=${token}; __client_uat=1` } }, isolate()),
        401,
        'invalid_token',
      );
      expect(api.total()).toBe(0);
    },
  );
});

describe('cache, single-flight, revocation (clock driven)', () => {
  it('a repeated key costs one Backend API call per isolate; concurrent first uses share it', async () => {
    const { table, api } = backend();
    const token = issue(table, 'api_key', uid('user'));
    const bindings = isolate();
    const statuses = await Promise.all(Array.from({ length: 20 }, () => me(bindings, token).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (let i = 0; i < 10; i++) expect((await me(bindings, token)).status).toBe(200);
    expect(api.total()).toBe(1);
    // Another (cold) isolate asks again.
    expect((await me(isolate(), token)).status).toBe(200);
    expect(api.total()).toBe(2);
  });

  it('revoked in Clerk: this isolate accepts it for at most 60 s, a cold one refuses at once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { table } = backend();
    const subject = uid('user');
    const token = issue(table, 'api_key', subject);
    const warm = isolate();
    expect((await me(warm, token)).status).toBe(200);
    table.set(token, { status: 200, body: verifiedBody('api_key', { subject, revoked: true }) });
    await expectError(await me(isolate(), token), 401, 'invalid_token');
    vi.setSystemTime(Date.now() + 59_000);
    expect((await me(warm, token)).status).toBe(200); // still cached (Clerk sends no revocation webhook)
    vi.setSystemTime(Date.now() + 1_000);
    await expectError(await me(warm, token), 401, 'invalid_token'); // entry expired: asked again, refused
  });

  it('a deleted key (404) is remembered 10 s, then asked again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { table, api } = backend();
    const token = randomOpaque('ak_');
    const bindings = isolate();
    await expectError(await me(bindings, token), 401, 'invalid_token');
    await expectError(await me(bindings, token), 401, 'invalid_token');
    expect(api.total()).toBe(1);
    table.set(token, { status: 200, body: verifiedBody('api_key', { subject: uid('user') }) });
    vi.setSystemTime(Date.now() + 10_000);
    expect((await me(bindings, token)).status).toBe(200);
    expect(api.total()).toBe(2);
  });
});

describe('Clerk failing', () => {
  it(
    'Clerk down: uncached opaque ⇒ 503 auth_unavailable + Retry-After; ' + 'cached opaque and JWT forms keep working',
    async () => {
      const { table } = backend();
      const cached = issue(table, 'api_key', uid('user'));
      const bindings = isolate();
      expect((await me(bindings, cached)).status).toBe(200);
      for (const path of ['/api_keys/verify', '/m2m_tokens/verify', '/oauth_applications/access_tokens/verify']) {
        clerk!.set(path, () => {
          throw new TypeError('network down');
        });
      }
      const res = await me(bindings, issue(table, 'api_key', uid('user')));
      await expectError(res, 503, 'auth_unavailable');
      expect(res.headers.get('retry-after')).toBe('10');
      expect((await me(bindings, cached)).status).toBe(200);
      expect((await me(bindings, await mintM2MJwt())).status).toBe(200);
      const ready = (await (await callApp(app, '/health/ready', {}, bindings)).json()) as {
        checks: Record<string, { status: string; lastVerifyError?: string }>;
      };
      expect(ready.checks.machineTokens).toMatchObject({ status: 'degraded', lastVerifyError: 'clerk_unreachable' });
    },
  );

  it('Clerk 5xx and 429 are 503 and never cached', async () => {
    const { table, api } = backend();
    const token = randomOpaque('mt_');
    const bindings = isolate();
    table.set(token, { status: 503, body: {} });
    await expectError(await me(bindings, token), 503, 'auth_unavailable');
    table.set(token, { status: 429, body: {} });
    await expectError(await me(bindings, token), 503, 'auth_unavailable');
    table.set(token, { status: 200, body: verifiedBody('m2m_token', { subject: 'mch_back' }) });
    expect((await me(bindings, token)).status).toBe(200);
    expect(api.total()).toBe(3);
  });

  it('Clerk answering 401 (invalid secret key): 503, readiness says secret_key_invalid', async () => {
    clerk = mockClerk({ '/api_keys/verify': () => json({ errors: [{ code: 'authentication_invalid' }] }, 401) });
    const bindings = isolate();
    await expectError(await me(bindings, randomOpaque('ak_')), 503, 'auth_unavailable');
    const ready = await callApp(app, '/health/ready', {}, bindings);
    const body = (await ready.json()) as { checks: Record<string, unknown> };
    expect(body.checks.machineTokens).toMatchObject({ status: 'degraded', lastVerifyError: 'secret_key_invalid' });
    expect(JSON.stringify(body)).not.toContain(env.CLERK_SECRET_KEY);
  });
});
