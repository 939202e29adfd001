import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { isCsrfSafe } from '../../src/auth/csrf';
import type { ReplayFn } from '../../src/webhooks/replay';
import { callApp, expectError } from '../helpers/http';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';

const PARTIES = [TEST_AZP, 'https://admin.fulcrum.test'];
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND'];

describe('isCsrfSafe (pure)', () => {
  it('never restricts GET, HEAD, OPTIONS', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get'])
      expect(
        isCsrfSafe(method, new Headers({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), PARTIES),
      ).toBe(true);
  });

  it('unsafe methods: an Origin among the authorized parties, else Sec-Fetch-Site: same-origin without Origin', () => {
    for (const method of UNSAFE) {
      expect(isCsrfSafe(method, new Headers({ origin: TEST_AZP }), PARTIES)).toBe(true);
      expect(
        isCsrfSafe(
          method,
          new Headers({ origin: 'https://admin.fulcrum.test', 'sec-fetch-site': 'same-site' }),
          PARTIES,
        ),
      ).toBe(true);
      expect(isCsrfSafe(method, new Headers({ 'sec-fetch-site': 'same-origin' }), PARTIES)).toBe(true);
      // The review's reproduction, a same-site subdomain, an opaque origin, near-misses of an allowed origin:
      for (const origin of [
        'https://evil.example',
        'https://sub.app.fulcrum.test',
        'null',
        `${TEST_AZP}/`,
        `${TEST_AZP}:443`,
        TEST_AZP.toUpperCase(),
        '',
      ])
        expect(isCsrfSafe(method, new Headers({ origin, 'sec-fetch-site': 'same-origin' }), PARTIES), origin).toBe(
          false,
        );
      for (const site of ['cross-site', 'same-site', 'none', 'SAME-ORIGIN'])
        expect(isCsrfSafe(method, new Headers({ 'sec-fetch-site': site }), PARTIES), site).toBe(false);
      expect(isCsrfSafe(method, new Headers(), PARTIES)).toBe(false);
      expect(isCsrfSafe(method, new Headers({ origin: TEST_AZP }), [])).toBe(false);
    }
  });

  it(
    'property: an unsafe request passes exactly when its Origin is listed, or absent with same-origin fetch ' +
      'metadata',
    () => {
      const origin = fc.oneof(
        fc.constantFrom(...PARTIES, 'null', 'https://evil.example'),
        fc.webUrl().map((u) => new URL(u).origin),
      );
      fc.assert(
        fc.property(
          fc.constantFrom(...UNSAFE),
          fc.option(origin, { nil: undefined }),
          fc.option(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none'), { nil: undefined }),
          (method, o, site) => {
            const headers = new Headers();
            if (o !== undefined) headers.set('origin', o);
            if (site !== undefined) headers.set('sec-fetch-site', site);
            const expected = o !== undefined ? PARTIES.includes(o) : site === 'same-origin';
            expect(isCsrfSafe(method, headers, PARTIES)).toBe(expected);
          },
        ),
      );
    },
  );
});

describe('CSRF on cookie-authenticated requests (real session middleware)', () => {
  // vitest.config.ts: ADMIN_USER_IDS = 'user_admin', CLERK_AUTHORIZED_PARTIES = TEST_AZP.
  async function adminCookie() {
    const iat = Math.floor(Date.now() / 1000);
    const token = await mintSessionToken({ userId: 'user_admin', fva: [0, 0], iat });
    return { token, cookie: `__session=${token}; __client_uat=${iat - 30}` };
  }
  const replayPath = '/v1/admin/webhooks/msg_csrf_unknown/replay';

  it('refuses a cross-site POST to the admin replay with 403 forbidden, executing nothing', async () => {
    const replay = vi.fn<ReplayFn>();
    const app = createApp({ replay });
    const { cookie } = await adminCookie();
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://sub.app.fulcrum.test', 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const headers of attempts) {
      const res = await callApp(app, replayPath, { method: 'POST', headers: { cookie, ...headers } });
      const error = await expectError(res, 403, 'forbidden');
      expect(JSON.stringify(error)).not.toContain('evil');
    }
    expect(replay).not.toHaveBeenCalled();
  });

  it(
    'lets the same POST through from an authorized party or same-origin ' + 'fetch metadata (then the route answers)',
    async () => {
      const replay = vi.fn<ReplayFn>();
      const app = createApp({ replay });
      const { cookie } = await adminCookie();
      for (const headers of <Record<string, string>[]>[
        { origin: TEST_AZP, 'sec-fetch-site': 'same-site' },
        { 'sec-fetch-site': 'same-origin' },
      ]) {
        // Past CSRF and the admin guard: the unknown event is 404 from the route itself.
        await expectError(
          await callApp(app, replayPath, { method: 'POST', headers: { cookie, ...headers } }),
          404,
          'not_found',
        );
      }
    },
  );

  it('leaves bearer requests and safe methods alone', async () => {
    const app = createApp({ replay: vi.fn<ReplayFn>() });
    const { token, cookie } = await adminCookie();
    const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    await expectError(
      await callApp(app, replayPath, { method: 'POST', headers: { ...bearer(token), ...evil } }),
      404,
      'not_found',
    );
    expect((await callApp(app, '/v1/me', { headers: { cookie, ...evil } })).status).toBe(200);
  });
});
