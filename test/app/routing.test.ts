import { describe, expect, it, vi } from 'vitest';
import type { ReplayFn } from '../../src/webhooks/replay';
import { callApp, testApp } from '../helpers/api-app';
import { authFor } from '../helpers/auth-context';
import { call, expectError } from '../helpers/http';

// The app with an admin caller (stand-in auth), so every /v1 route is reached past authentication.
const app = testApp(authFor('user_admin', { factorVerificationAge: [0, 0] }), { replay: vi.fn<ReplayFn>() });
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'TRACE'];

/** Every registered path and its methods, read from the app itself (so a new route is covered too). */
function routeTable(): Map<string, Set<string>> {
  const table = new Map<string, Set<string>>();
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    const methods = table.get(r.path) ?? new Set<string>();
    methods.add(r.method);
    if (r.method === 'GET') methods.add('HEAD');
    table.set(r.path, methods);
  }
  return table;
}

const sample = (path: string) => path.replace(/:[A-Za-z]+/g, 'x_1');

describe('405 and the router agree, for every route', () => {
  const table = routeTable();

  it('covers the routes (the table is not empty)', () => {
    expect(table.size).toBeGreaterThan(10);
    expect(table.get('/v1/tenant')).toEqual(new Set(['GET', 'HEAD']));
  });

  for (const [path, methods] of table) {
    it(
      `${path}: registered methods are routed; any other method is 405 ` + `with Allow: ${[...methods].join(', ')}`,
      async () => {
        for (const method of METHODS) {
          const res = await callApp(app, sample(path), { method });
          if (methods.has(method)) {
            expect(res.status, `${method} ${path}`).not.toBe(405);
            continue;
          }
          expect(res.status, `${method} ${path}`).toBe(405);
          expect(new Set(res.headers.get('allow')?.split(', ')), `${method} ${path}`).toEqual(methods);
          if (method !== 'HEAD') await expectError(res, 405, 'method_not_allowed');
        }
      },
    );

    it(`${path}/ (trailing slash) is no route: 404 for every method, never 405`, async () => {
      for (const method of METHODS) {
        const res = await callApp(app, `${sample(path)}/`, { method });
        expect(res.status, `${method} ${path}/`).toBe(404);
        expect(res.headers.get('allow')).toBeNull();
        if (method !== 'HEAD') await expectError(res, 404, 'not_found');
      }
    });
  }

  it("the review's case: GET /v1/tenant/ is 404, not 405 with Allow: GET, HEAD", async () => {
    await expectError(await callApp(app, '/v1/tenant/'), 404, 'not_found');
  });
});

describe('methods the service does not implement', () => {
  // workerd hands the Worker only the methods it knows; every one of them gets the envelope.
  // (CONNECT never reaches `fetch`: the vitest host cannot even build such a Request, and under
  // `wrangler dev` Miniflare's entry worker answers it before this Worker: see docs/SECURITY.md.)
  const methods = [
    'TRACE',
    'PROPFIND',
    'PROPPATCH',
    'MKCOL',
    'COPY',
    'MOVE',
    'LOCK',
    'UNLOCK',
    'PURGE',
    'SEARCH',
    'REPORT',
  ];
  it.each(methods)('%s: 405 (known path) or 404 (unknown path) with the envelope, never a 500', async (method) => {
    for (const [path, status, code] of [
      ['/health', 405, 'method_not_allowed'],
      ['/api/webhooks/clerk', 405, 'method_not_allowed'],
      ['/nowhere', 404, 'not_found'],
      ['/v1/tenant', 401, 'invalid_token'],
    ] as const) {
      const res = await call(path, { method });
      await expectError(res, status, code);
    }
  });
});
