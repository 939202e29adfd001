import { describe, expect, it } from 'vitest';
import { call } from '../helpers/http';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';

describe('GET /v1/me', () => {
  it('answers the verified caller (v2 org claims)', async () => {
    const token = await mintSessionToken({
      userId: 'user_me',
      sessionId: 'sess_me',
      org: { id: 'org_9', role: 'admin' },
    });
    const res = await call('/v1/me', { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId: 'user_me',
      sessionId: 'sess_me',
      orgId: 'org_9',
      orgRole: 'org:admin',
      tenant: { id: 'user_me', kind: 'user', status: 'active' },
    });
  });

  it('reads v1 org claims (org_id, org_role)', async () => {
    const token = await mintSessionToken({
      claims: { v: undefined, org_id: 'org_v1', org_role: 'org:member', org_permissions: ['org:a:read'] },
    });
    const res = await call('/v1/me', { headers: bearer(token) });
    expect(await res.json()).toMatchObject({ orgId: 'org_v1', orgRole: 'org:member' });
  });

  it('accepts a token within the 5 s clock skew after exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await call('/v1/me', { headers: bearer(await mintSessionToken({ iat: now - 62, ttl: 60 })) });
    expect(res.status).toBe(200);
  });

  it('accepts the same token repeatedly (result cache) and still refuses a tampered copy', async () => {
    const token = await mintSessionToken({ userId: 'user_repeat' });
    for (let i = 0; i < 3; i++) expect((await call('/v1/me', { headers: bearer(token) })).status).toBe(200);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await call('/v1/me', { headers: bearer(tampered) })).status).toBe(401);
  });

  it('accepts the __session cookie when azp is an authorized party', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const token = await mintSessionToken({ userId: 'user_cookie', azp: TEST_AZP, iat });
    const res = await call('/v1/me', { headers: { cookie: `__session=${token}; __client_uat=${iat - 30}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userId: 'user_cookie' });
  });

  it(
    'refuses a cookie token Clerk would not sign in: no active client, ' +
      "or issued before the client's last sign-in/out",
    async () => {
      const iat = Math.floor(Date.now() / 1000);
      const token = await mintSessionToken({ userId: 'user_cookie', azp: TEST_AZP, iat });
      for (const clientUat of [undefined, '0', 'garbage', String(iat + 5)]) {
        const cookie = `__session=${token}${clientUat === undefined ? '' : `; __client_uat=${clientUat}`}`;
        const res = await call('/v1/me', { headers: { cookie } });
        expect(res.status, `__client_uat=${clientUat}`).toBe(401);
        expect(((await res.json()) as { error: { signUpUrl: string } }).error.signUpUrl).toBe('/sign-up');
      }
    },
  );

  it('prefers the Authorization header over the cookie', async () => {
    const header = await mintSessionToken({ userId: 'user_header' });
    const cookie = await mintSessionToken({ userId: 'user_cookie' });
    const res = await call('/v1/me', { headers: { ...bearer(header), cookie: `__session=${cookie}` } });
    expect(await res.json()).toMatchObject({ userId: 'user_header' });
  });

  it('never redirects a browser-like request with an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mintSessionToken({ iat: now - 600 });
    const res = await call('/v1/me', {
      headers: {
        cookie: `__session=${token}; __client_uat=${now - 700}`,
        accept: 'text/html',
        'sec-fetch-dest': 'document',
      },
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
  });

  it('does not touch routes outside /v1', async () => {
    expect((await call('/health')).status).toBe(200);
  });
});
