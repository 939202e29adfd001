import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type AuthenticateOptions, authenticate } from '../../src/auth/authenticate';
import { createBaseApp } from '../../src/base-app';
import { createServices } from '../../src/services/services';
import { callApp } from '../helpers/http';
import { bearer, mintSessionToken } from '../helpers/tokens';

/** A route that answers with what authenticate() returned (or its error envelope). */
function appWith(opts: AuthenticateOptions) {
  return createBaseApp(createServices()).get('/who', async (c) => c.json({ auth: await authenticate(c, opts) }));
}

const who = async (opts: AuthenticateOptions, headers: Record<string, string> = {}, bindings = env) => {
  const res = await callApp(appWith(opts), '/who', { headers }, bindings);
  return {
    status: res.status,
    body: (await res.json()) as { auth?: Record<string, unknown>; error?: { code: string } },
  };
};

describe('authenticate()', () => {
  it('a session token yields the session AuthContext with the machine fields null', async () => {
    const token = await mintSessionToken({ userId: 'user_auth_1', sessionId: 'sess_auth_1', ttl: 45 });
    const { status, body } = await who({ accept: ['session_token'] }, bearer(token));
    expect(status).toBe(200);
    const exp = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).exp;
    expect(body.auth).toMatchObject({
      tokenType: 'session_token',
      subject: 'user_auth_1',
      userId: 'user_auth_1',
      sessionId: 'sess_auth_1',
      machineId: null,
      scopes: [],
      clientId: null,
      expiresAt: exp,
    });
  });

  it('no credential: 401, or null when optional', async () => {
    expect((await who({ accept: ['session_token'] })).body.error?.code).toBe('invalid_token');
    expect(await who({ accept: ['session_token'], optional: true })).toEqual({ status: 200, body: { auth: null } });
    // An empty __session cookie is no credential either.
    expect(await who({ accept: ['session_token'], optional: true }, { cookie: '__session=' })).toEqual({
      status: 200,
      body: { auth: null },
    });
  });

  it('optional never admits a credential that is present and invalid', async () => {
    const hostile: Record<string, string>[] = [
      { authorization: 'Bearer not.a.jwt' },
      { authorization: 'Basic abc' },
      { cookie: '__session=garbage' },
    ];
    for (const headers of hostile) {
      const { status, body } = await who({ accept: ['session_token'], optional: true }, headers);
      expect(status).toBe(401);
      expect(body.error?.code).toBe('invalid_token');
    }
  });

  it('a session token on a route that does not accept sessions is 401', async () => {
    const token = await mintSessionToken();
    const { status } = await who({ accept: ['api_key', 'm2m_token'] }, bearer(token));
    expect(status).toBe(401);
  });

  it('without any usable key configuration: 503 misconfigured, except an anonymous optional request', async () => {
    const bindings = { ...env, CLERK_JWT_KEY: undefined, CLERK_SECRET_KEY: undefined } as unknown as typeof env;
    expect((await who({ accept: ['session_token'] }, {}, bindings)).body.error?.code).toBe('misconfigured');
    expect((await who({ accept: ['session_token'], optional: true }, {}, bindings)).body).toEqual({ auth: null });
  });
});
