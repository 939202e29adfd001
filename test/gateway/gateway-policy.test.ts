import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ensureTenantForUser } from '../../src/tenants/tenant-store';
import { testDb } from '../helpers/api-app';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

/** Clerk v1 organization claims (v2's `o.per` needs a feature map too). */
const org = (role: string, permissions: string[] = []) => ({
  v: undefined,
  org_id: uid('org'),
  org_role: role,
  org_permissions: permissions,
});

describe('gateway route policies (a refused request never reaches the origin)', () => {
  it('auth "required": no token, a malformed or a wrongly signed token ⇒ 401 and nothing forwarded', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    await expectError(await send(b, '/api/x'), 401, 'invalid_token');
    await expectError(await send(b, '/api/x', { headers: { authorization: 'Bearer nope' } }), 401, 'invalid_token');
    const expired = await mintSessionToken({ iat: Math.floor(Date.now() / 1000) - 600 });
    await expectError(await send(b, '/api/x', { headers: bearer(expired) }), 401, 'invalid_token');
    expect(origin.received).toHaveLength(0);
    expect((await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: uid('user') })) })).status).toBe(
      200,
    );
    expect(origin.received).toHaveLength(1);
  });

  it('auth "optional": anonymous is forwarded without identity; a present invalid token is 401', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/pub/', auth: 'optional' }], origin);
    expect((await send(b, '/pub/a', { headers: { 'x-fulcrum-user-id': 'user_spoof' } })).status).toBe(200);
    const anon = origin.received[0]!;
    expect([...anon.headers.keys()].filter((k) => k.startsWith('x-fulcrum-'))).toEqual([]);
    await expectError(
      await send(b, '/pub/a', { headers: { authorization: 'Bearer bad.token.here' } }),
      401,
      'invalid_token',
    );
    expect(origin.received).toHaveLength(1);
    const user = uid('user');
    expect((await send(b, '/pub/a', { headers: bearer(await mintSessionToken({ userId: user })) })).status).toBe(200);
    expect(origin.received[1]?.headers.get('x-fulcrum-user-id')).toBe(user);
  });

  it('auth "none": forwarded without authentication, never with identity headers', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/open/', auth: 'none' }], origin);
    const res = await send(b, '/open/x', { headers: bearer(await mintSessionToken({ userId: uid('user') })) });
    expect(res.status).toBe(200);
    expect(origin.received[0]?.headers.get('x-fulcrum-user-id')).toBeNull();
    expect(origin.received[0]?.headers.get('x-fulcrum-assertion')).toBeNull();
    expect(origin.received[0]?.headers.get('authorization')).toBeNull();
  });

  it('accept: a session token on a route that accepts only machine tokens ⇒ 401', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/m2m/', accept: ['m2m_token'] }], origin);
    await expectError(await send(b, '/m2m/x', { headers: bearer(await mintSessionToken()) }), 401, 'invalid_token');
    expect(origin.received).toHaveLength(0);
  });

  it('org, roles, permissions: 403 forbidden unless all hold', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings(
      [
        { prefix: '/org/', org: true },
        { prefix: '/admin/', roles: ['org:admin'] },
        { prefix: '/reports/', permissions: ['org:reports:read', 'org:reports:export'] },
      ],
      origin,
    );
    const call = async (path: string, o?: ReturnType<typeof org>) =>
      send(b, path, { headers: bearer(await mintSessionToken({ userId: uid('user'), ...(o ? { claims: o } : {}) })) });
    await expectError(await call('/org/x'), 403, 'forbidden');
    await expectError(await call('/admin/x', org('org:member')), 403, 'forbidden');
    await expectError(await call('/admin/x'), 403, 'forbidden');
    await expectError(await call('/reports/x', org('org:member', ['org:reports:read'])), 403, 'forbidden');
    expect(origin.received).toHaveLength(0);
    expect((await call('/org/x', org('org:member'))).status).toBe(200);
    expect((await call('/admin/x', org('org:admin'))).status).toBe(200);
    expect((await call('/reports/x', org('org:member', ['org:reports:read', 'org:reports:export']))).status).toBe(200);
    expect(origin.received).toHaveLength(3);
  });

  it(
    'secondFactorMinutes: a second factor verified less than N minutes ' + 'ago, else 403 second_factor_required',
    async () => {
      const origin = capturedOrigin();
      const b = await gatewayBindings([{ prefix: '/mfa/', secondFactorMinutes: 10 }], origin);
      const call = async (fva: [number, number]) =>
        send(b, '/mfa/x', { headers: bearer(await mintSessionToken({ userId: uid('user'), fva })) });
      await expectError(await call([1, -1]), 403, 'second_factor_required');
      await expectError(await call([1, 10]), 403, 'second_factor_required');
      expect(origin.received).toHaveLength(0);
      expect((await call([1, 9])).status).toBe(200);
    },
  );

  it('an archived tenant ⇒ 403 tenant_archived, nothing forwarded', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const user = uid('user');
    await ensureTenantForUser(testDb(), { userId: user, now: Date.now() });
    await env.DB.prepare("update tenants set status = 'archived', archived_at = ? where id = ?")
      .bind(Date.now(), user)
      .run();
    await expectError(
      await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: user })) }),
      403,
      'tenant_archived',
    );
    expect(origin.received).toHaveLength(0);
  });

  it(
    'CSRF: a cookie-authenticated POST from another site ⇒ 403; from ' + 'an authorized party it is forwarded',
    async () => {
      const origin = capturedOrigin();
      const b = await gatewayBindings([{ prefix: '/api/' }], origin);
      const iat = Math.floor(Date.now() / 1000);
      const session = await mintSessionToken({ userId: uid('user'), iat });
      const cookie = `__session=${session}; __client_uat=${iat - 5}; theme=dark`;
      await expectError(
        await send(b, '/api/x', { method: 'POST', headers: { cookie, origin: 'https://evil.test' }, body: '{}' }),
        403,
        'forbidden',
      );
      expect(origin.received).toHaveLength(0);
      const ok = await send(b, '/api/x', { method: 'POST', headers: { cookie, origin: TEST_AZP }, body: '{}' });
      expect(ok.status).toBe(200);
      // Clerk's cookies stay at the edge; the others reach the origin.
      expect(origin.received[0]?.headers.get('cookie')).toBe('theme=dark');
    },
  );

  it(
    'GATEWAY_LIMITER per subject: over it ⇒ 429 rate_limited + ' + 'Retry-After, nothing forwarded; others unaffected',
    async () => {
      const origin = capturedOrigin();
      const seen: string[] = [];
      const limiter = {
        limit: async ({ key }: { key: string }) => {
          seen.push(key);
          return { success: !key.endsWith('user_limited') };
        },
      };
      const b = await gatewayBindings([{ prefix: '/api/' }], origin, { GATEWAY_LIMITER: limiter });
      const limited = await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: 'user_limited' })) });
      await expectError(limited, 429, 'rate_limited');
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(origin.received).toHaveLength(0);
      const other = uid('user');
      expect((await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: other })) })).status).toBe(
        200,
      );
      expect(seen).toEqual(['user:user_limited', `user:${other}`]);
    },
  );

  it('misconfiguration ⇒ 503 misconfigured naming the variable; readiness names the entry', async () => {
    const origin = capturedOrigin();
    const noKey = await gatewayBindings([{ prefix: '/api/' }], origin, { EDGE_SIGNING_KEY: undefined });
    const token = await mintSessionToken({ userId: uid('user') });
    expect(
      (await expectError(await send(noKey, '/api/x', { headers: bearer(token) }), 503, 'misconfigured')) as unknown,
    ).toMatchObject({
      missing: ['EDGE_SIGNING_KEY'],
    });
    const noAudience = await gatewayBindings([{ prefix: '/api/' }], origin, { EDGE_AUDIENCE: undefined });
    await expectError(await send(noAudience, '/api/x', { headers: bearer(token) }), 503, 'misconfigured');
    const broken = await gatewayBindings(
      [{ prefix: '/api/' }, { prefix: '/api/admin/', roles: 'org:admin' }, { prefix: '/v1/' }],
      origin,
    );
    await expectError(await send(broken, '/api/admin/x', { headers: bearer(token) }), 503, 'misconfigured');
    expect(origin.received).toHaveLength(0);
    const ready = await send(broken, '/health/ready');
    expect(ready.status).toBe(503);
    const { checks } = (await ready.json()) as {
      checks: { gateway: { status: string; invalidRoutes: { index: number; prefix: string }[] } };
    };
    expect(checks.gateway.status).toBe('fail');
    expect(checks.gateway.invalidRoutes.map((p) => [p.index, p.prefix])).toEqual([
      [1, '/api/admin/'],
      [2, '/v1/'],
    ]);
  });

  it('edge-owned paths are the edge’s in every spelling; ambiguous paths are 400', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/', auth: 'none' }], origin);
    expect((await send(b, '//health')).status).toBe(404);
    expect((await send(b, '/health')).status).toBe(200);
    await expectError(await send(b, '/x/..%2Fv1/me'), 400, 'invalid_request');
    await expectError(await send(b, '/api/%252e%252e/v1/me'), 400, 'invalid_request');
    expect(origin.received).toHaveLength(0);
    expect((await send(b, '/api/../x')).status).toBe(200);
    expect(origin.received[0]?.url.pathname).toBe('/x');
  });
});
