import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

const fulcrumHeaders = (h: Headers) =>
  Object.fromEntries([...h].filter(([k]) => k.startsWith('x-fulcrum-') && k !== 'x-fulcrum-assertion'));

describe('gateway headers, request leg', () => {
  it('client identity headers are removed in every spelling, then the edge sets its own', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const user = uid('user');
    const res = await send(b, '/api/x', {
      headers: {
        ...bearer(await mintSessionToken({ userId: user, sessionId: 'sess_real' })),
        'X-Fulcrum-User-Id': 'user_spoof',
        x_fulcrum_user_id: 'user_spoof2',
        X_FULCRUM_ORG_ID: 'org_spoof',
        'x-fulcrum-assertion': 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyX3Nwb29mIn0.',
        'x-Fulcrum_machine-ID': 'mch_spoof',
        'x-fulcrum-anything-else': 'x',
      },
    });
    expect(res.status).toBe(200);
    const got = origin.received[0]!.headers;
    expect([...got.keys()].filter((k) => k.replace(/_/g, '-').toLowerCase().startsWith('x-fulcrum-')).sort()).toEqual([
      'x-fulcrum-assertion',
      'x-fulcrum-session-id',
      'x-fulcrum-tenant-id',
      'x-fulcrum-token-type',
      'x-fulcrum-user-id',
    ]);
    expect(fulcrumHeaders(got)).toEqual({
      'x-fulcrum-session-id': 'sess_real',
      'x-fulcrum-tenant-id': user,
      'x-fulcrum-token-type': 'session_token',
      'x-fulcrum-user-id': user,
    });
    expect(got.get('x-fulcrum-assertion')).not.toContain('eyJhbGciOiJub25lIn0');
  });

  it('organization headers; a claim value unusable in a header is left out (the assertion keeps it)', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const orgId = uid('org');
    const ok = await mintSessionToken({
      userId: uid('user'),
      claims: { v: undefined, org_id: orgId, org_role: 'org:admin', org_permissions: [] },
    });
    await send(b, '/api/x', { headers: bearer(ok) });
    expect(fulcrumHeaders(origin.received[0]!.headers)).toMatchObject({
      'x-fulcrum-org-id': orgId,
      'x-fulcrum-org-role': 'org:admin',
    });
    for (const role of ['org:admin\r\nx-evil: 1', 'org:\u0000admin', 'org:ädmin', ' org:admin']) {
      const token = await mintSessionToken({
        userId: uid('user'),
        claims: { v: undefined, org_id: orgId, org_role: role, org_permissions: [] },
      });
      expect((await send(b, '/api/x', { headers: bearer(token) })).status).toBe(200);
      const got = origin.received.at(-1)!.headers;
      expect(got.get('x-fulcrum-org-role')).toBeNull();
      expect(got.get('x-evil')).toBeNull();
      const claims = decodeJwt(got.get('x-fulcrum-assertion')!);
      expect(claims.org_role).toBe(role);
    }
  });

  it('hop-by-hop headers go, including those named in Connection, but never the edge’s own', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    await send(b, '/api/x', {
      headers: {
        ...bearer(await mintSessionToken({ userId: uid('user') })),
        connection: 'keep-alive, x-fulcrum-assertion, x-request-id, x-forwarded-for, x-private',
        'keep-alive': 'timeout=5',
        'x-private': 'secret',
        te: 'trailers',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-kept': 'yes',
        'cf-connecting-ip': '203.0.113.7',
      },
    });
    const got = origin.received[0]!.headers;
    for (const name of ['connection', 'keep-alive', 'x-private', 'te', 'proxy-authorization'])
      expect(got.get(name), name).toBeNull();
    expect(got.get('x-kept')).toBe('yes');
    expect(got.get('x-fulcrum-assertion')).toMatch(/^eyJ/);
    expect(got.get('x-request-id')).toMatch(/.+/);
    expect(got.get('x-forwarded-for')).toBe('203.0.113.7');
  });

  it('x-forwarded-* and Forwarded are replaced, not appended', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    await send(b, '/api/x', {
      headers: {
        ...bearer(await mintSessionToken({ userId: uid('user') })),
        'x-forwarded-for': '10.0.0.1',
        'X-Forwarded-Host': 'evil.test',
        'x-forwarded-proto': 'http',
        x_forwarded_prefix: '/admin',
        forwarded: 'for=10.0.0.1;host=evil.test',
        'x-request-id': 'client-trace-1',
      },
    });
    const got = origin.received[0]!.headers;
    // Only the edge's view of the client (CF-Connecting-IP), never the client's claimed chain.
    expect(got.get('x-forwarded-for') ?? '').not.toContain('10.0.0.1');
    expect(got.get('x-forwarded-host')).toBe('edge.fulcrum.test');
    expect(got.get('x-forwarded-proto')).toBe('https');
    expect(got.get('x_forwarded_prefix')).toBeNull();
    expect(got.get('forwarded')).toBeNull();
    expect(got.get('x-request-id')).not.toBe('client-trace-1'); // the edge's own id, never the client's
  });

  it('Authorization and Clerk cookies stay at the edge unless forwardCredentials', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }, { prefix: '/creds/', forwardCredentials: true }], origin);
    const token = await mintSessionToken({ userId: uid('user') });
    const cookie = '__clerk_db_jwt=abc; theme=dark; __session_Xy12=t; __client_uat_Xy12=1; lang=en';
    await send(b, '/api/x', { headers: { ...bearer(token), cookie } });
    await send(b, '/creds/x', { headers: { ...bearer(token), cookie } });
    const [stripped, kept] = origin.received;
    expect(stripped!.headers.get('authorization')).toBeNull();
    expect(stripped!.headers.get('cookie')).toBe('theme=dark; lang=en');
    expect(kept!.headers.get('authorization')).toBe(`Bearer ${token}`);
    expect(kept!.headers.get('cookie')).toBe(cookie);
  });

  it('two Cookie fields (joined by ", "): Clerk cookies still removed, and the edge reads the session as it forwards', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings(
      [
        { prefix: '/api/', auth: 'none' },
        { prefix: '/opt/', auth: 'optional' },
      ],
      origin,
    );
    const iat = Math.floor(Date.now() / 1000);
    const user = uid('user');
    const token = await mintSessionToken({ userId: user, iat });
    const twoFields = () => {
      const h = new Headers();
      h.append('cookie', 'a=1');
      h.append('cookie', `__session=${token}; __client_uat=${iat - 5}`);
      return h;
    };
    await send(b, '/api/x', { headers: twoFields() });
    expect(origin.received[0]!.headers.get('cookie')).toBe('a=1');
    // The optional route authenticates the session it found (it was forwarded as anonymous before).
    const res = await send(b, '/opt/x', { headers: twoFields() });
    expect(res.status).toBe(200);
    expect(origin.received[1]!.headers.get('x-fulcrum-user-id')).toBe(user);
    expect(origin.received[1]!.headers.get('cookie')).toBe('a=1');
  });

  it('method, canonical path and query are forwarded', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const token = await mintSessionToken({ userId: uid('user') });
    await send(b, '//api//items/a%20b/?q=1&q=2&x=%2F', { method: 'DELETE', headers: bearer(token) });
    const r = origin.received[0]!;
    expect(r.method).toBe('DELETE');
    expect(r.url.pathname).toBe('/api/items/a%20b/');
    expect(r.url.search).toBe('?q=1&q=2&x=%2F');
  });
});

describe('gateway headers, response leg', () => {
  it('the origin’s headers as they came: every Set-Cookie, no edge security headers; hop-by-hop dropped', async () => {
    const origin = capturedOrigin(() => {
      const headers = new Headers({
        'cache-control': 'max-age=10',
        connection: 'x-internal',
        'x-internal': '1',
        'keep-alive': 'timeout=5',
        'service-worker-allowed': '/',
      });
      headers.append('set-cookie', 'a=1; Path=/; HttpOnly');
      headers.append('set-cookie', 'b=2; Path=/; Secure');
      headers.append('set-cookie', 'c=3, with comma; Path=/');
      headers.set('x-request-id', 'origin-id');
      return new Response('hi', { status: 201, headers });
    });
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const res = await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: uid('user') })) });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('hi');
    expect(res.headers.getSetCookie()).toEqual([
      'a=1; Path=/; HttpOnly',
      'b=2; Path=/; Secure',
      'c=3, with comma; Path=/',
    ]);
    expect(res.headers.get('cache-control')).toBe('max-age=10');
    // Service-Worker-Allowed too: an origin's service worker never takes a scope over /console or /v1/admin.
    for (const name of [
      'connection',
      'x-internal',
      'keep-alive',
      'service-worker-allowed',
      'x-frame-options',
      'x-content-type-options',
    ]) {
      expect(res.headers.get(name), name).toBeNull();
    }
    expect(res.headers.get('x-request-id')).not.toBe('origin-id'); // the edge's id, as on every response
    expect(res.headers.get('x-d1-bookmark')).toBeNull();
  });
});

describe('gateway headers, a Connection token that is no header name', () => {
  // `Connection: keep-alive, not a name` lists a token no field can be named: it removes nothing and is no error.
  // It was a 500 internal on both legs (Headers.delete throws a TypeError for an invalid name).
  it('from the client: forwarded, hop-by-hop and listed fields still dropped', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const res = await send(b, '/api/x', {
      headers: {
        ...bearer(await mintSessionToken({ userId: uid('user') })),
        connection: 'keep-alive, not a name, x-private, (x)',
        'keep-alive': 'timeout=5',
        'x-private': 'secret',
        'x-kept': 'yes',
      },
    });
    expect(res.status).toBe(200);
    const got = origin.received[0]!.headers;
    for (const name of ['connection', 'keep-alive', 'x-private']) expect(got.get(name), name).toBeNull();
    expect(got.get('x-kept')).toBe('yes');
  });

  it('from the origin: its response passed on, hop-by-hop and listed fields dropped', async () => {
    const origin = capturedOrigin(
      () => new Response('hi', { headers: { connection: 'close, not a name, x-internal', 'x-internal': '1' } }),
    );
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const res = await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: uid('user') })) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hi');
    for (const name of ['connection', 'x-internal']) expect(res.headers.get(name), name).toBeNull();
  });
});
