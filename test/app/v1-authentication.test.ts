import type { MiddlewareHandler } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp, v1Authentication } from '../../src/app';
import { anyTokenAuth } from '../../src/auth/session-middleware';
import { createBaseApp } from '../../src/base-app';
import type { AppEnv } from '../../src/env';
import { AppError } from '../../src/errors';
import { createServices } from '../../src/services/services';
import { createLoadMachineTenant } from '../../src/tenants/machine-tenant';
import { meRoutes } from '../../src/tenants/me-route';
import { createLoadTenant } from '../../src/tenants/tenant-middleware';
import { callApp, expectError } from '../helpers/http';
import { bearer, mintSessionToken } from '../helpers/tokens';

/** A stand-in session middleware that refuses everyone and counts its calls: where it runs, the request is 401. */
function refusingSessionAuth() {
  const seen: string[] = [];
  const middleware: MiddlewareHandler<AppEnv> = async function refuseAll(c) {
    seen.push(`${c.req.method} ${c.req.path}`);
    throw new AppError('invalid_token');
  };
  return { middleware, seen };
}

/** /v1/me plus one session-only /v1 route, with the /v1 authentication registered before or after /v1/me. */
function v1App(authentication: MiddlewareHandler<AppEnv>, order: 'auth first' | 'me first') {
  const services = createServices();
  const me = meRoutes({
    authenticate: anyTokenAuth,
    loadTenant: createLoadTenant({ cache: services.tenantCache, now: services.now }),
    loadMachineTenant: createLoadMachineTenant({ cache: services.tenantCache, now: services.now }),
  });
  const app = createBaseApp(services);
  if (order === 'auth first') app.use('/v1/*', authentication).route('/v1', me);
  else app.route('/v1', me).use('/v1/*', authentication);
  app.get('/v1/other', (c) => c.json({ ok: true }));
  return app;
}

describe('/v1 authentication is a rule, not registration order', () => {
  it('createApp: GET /v1/me never reaches the session middleware; every other /v1 request does', async () => {
    const session = refusingSessionAuth();
    const app = createApp({ services: createServices(), authenticate: session.middleware });
    const headers = bearer(await mintSessionToken({ userId: 'user_v1_rule' }));
    expect((await callApp(app, '/v1/me', { headers })).status).toBe(200);
    expect((await callApp(app, '/v1/me', { method: 'HEAD', headers })).status).toBe(200);
    await expectError(await callApp(app, '/v1/tenant', { headers }), 401, 'invalid_token');
    await expectError(await callApp(app, '/v1/me/', { headers }), 401, 'invalid_token');
    await expectError(await callApp(app, '/v1/me', { method: 'POST', headers }), 401, 'invalid_token');
    expect(session.seen).toEqual(['GET /v1/tenant', 'GET /v1/me/', 'POST /v1/me']);
  });

  for (const order of ['auth first', 'me first'] as const) {
    it(`v1Authentication registered ${order}: /v1/me answers, the session-only route refuses`, async () => {
      const session = refusingSessionAuth();
      const app = v1App(v1Authentication(session.middleware), order);
      const headers = bearer(await mintSessionToken({ userId: `user_v1_${order.replace(' ', '_')}` }));
      expect((await callApp(app, '/v1/me', { headers })).status).toBe(200);
      await expectError(await callApp(app, '/v1/other', { headers }), 401, 'invalid_token');
      expect(session.seen).toEqual(['GET /v1/other']);
    });
  }

  it('non-vacuous: a plain /v1/* session middleware registered first does shut /v1/me (the old trap)', async () => {
    const session = refusingSessionAuth();
    const headers = bearer(await mintSessionToken({ userId: 'user_v1_trap' }));
    await expectError(
      await callApp(v1App(session.middleware, 'auth first'), '/v1/me', { headers }),
      401,
      'invalid_token',
    );
    expect((await callApp(v1App(session.middleware, 'me first'), '/v1/me', { headers })).status).toBe(200);
  });
});
