import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { assertionClaims } from '../../src/gateway/assertion';
import { sessionAuthContext } from '../helpers/auth-context';
import { call, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

describe('the assertion is never signed already expired', () => {
  it('a credential whose exp has passed (accepted inside the clock skew) ⇒ refused, never exp ≤ iat', () => {
    const now = 1_900_000_000;
    const input = { tenantId: null, issuer: 'https://e', audience: 'https://a', now };
    const at = (expiresAt: number) => assertionClaims({ ...input, auth: sessionAuthContext('user_1', { expiresAt }) });
    expect(at(now - 2)).toBeNull();
    expect(at(now)).toBeNull();
    expect(at(now + 1)?.exp).toBe(now + 1);
  });

  it('through the gateway: 401 invalid_token, nothing forwarded', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const iat = Math.floor(Date.now() / 1000) - 62; // exp 2 s ago: inside the verifier's 5 s skew
    const token = await mintSessionToken({ userId: uid('user'), iat, claims: { nbf: iat } });
    await expectError(await send(b, '/api/x', { headers: bearer(token) }), 401, 'invalid_token');
    expect(origin.received).toHaveLength(0);
  });
});

describe('act (impersonation) in the assertion', () => {
  const input = { tenantId: null, issuer: 'https://e', audience: 'https://a', now: 1_900_000_000 };
  const act = { sub: 'user_admin', iss: 'https://dashboard.clerk.com' };
  it('is carried from a session token', () => {
    const auth = sessionAuthContext('user_1', { expiresAt: input.now + 60, claims: { act } });
    expect(assertionClaims({ ...input, auth })?.act).toEqual(act);
  });
  it('is never taken from a machine token’s claims, which its creator chose (an M2M token, an API key)', () => {
    for (const tokenType of ['m2m_token', 'api_key', 'oauth_token'] as const) {
      const auth = sessionAuthContext('user_1', { tokenType, expiresAt: input.now + 60, claims: { act } });
      expect(assertionClaims({ ...input, auth })?.act).toBeNull();
    }
  });
});

describe('client claims some origins read as identity, address, routing or method', () => {
  it('are removed in any spelling; the origin’s x-request-id is the edge’s own', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/', auth: 'none' }], origin);
    const claims = {
      'x-original-url': '/admin',
      'X-Rewrite-URL': '/admin',
      'true-client-ip': '10.0.0.1',
      'x-client-ip': '10.0.0.1',
      'client-ip': '10.0.0.1',
      'remote-user': 'admin',
      x_remote_user: 'admin',
      'x-auth-request-user': 'admin',
      'x-http-method-override': 'DELETE',
      'x-request-id': 'client-chosen-id',
    };
    const res = await send(b, '/api/x', { headers: claims });
    const got = origin.received[0]!.headers;
    for (const name of Object.keys(claims).filter((n) => n !== 'x-request-id')) expect(got.get(name), name).toBeNull();
    expect(got.get('x_remote_user')).toBeNull();
    expect(got.get('x-request-id')).toBe(res.headers.get('x-request-id'));
    expect(got.get('x-request-id')).not.toBe('client-chosen-id');
  });

  it('the edge’s x-request-id is its own on every route (a client id is only logged)', async () => {
    const res = await call('/health', { headers: { 'x-request-id': 'trace-123.abc' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('impersonation and preflights', () => {
  it('act (impersonation) is carried in the assertion; absent otherwise', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const act = { sub: 'user_support_agent', iss: 'https://dashboard.clerk.com' };
    await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: uid('user'), claims: { act } })) });
    await send(b, '/api/x', { headers: bearer(await mintSessionToken({ userId: uid('user') })) });
    const [impersonated, normal] = origin.received.map((r) => decodeJwt(r.headers.get('x-fulcrum-assertion')!));
    expect(impersonated!.act).toEqual(act);
    expect(normal!.act).toBeNull();
  });

  it('a preflight on a "cors": "origin" route reaches the origin without its body', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], origin);
    const headers = { origin: TEST_AZP, 'access-control-request-method': 'POST' };
    await send(b, '/api/x', { method: 'OPTIONS', headers, body: 'smuggled body' });
    expect(origin.received[0]!.method).toBe('OPTIONS');
    expect(origin.received[0]!.body.length).toBe(0);
  });
});
