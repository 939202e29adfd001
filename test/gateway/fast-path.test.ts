import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { createServices } from '../../src/services/services';
import { callApp } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';
import { capturedOrigin, type GatewayBindings, gatewayBindings } from './harness';

// The fast path (src/gateway/fast-path.ts) against the app's middleware chain with its gateway middleware
// (`gatewayFastPath: false`): for the same requests, the same status, headers, body, what the origin received, the
// access-log line and the metrics data point. Each side has its own services (a cold isolate each).

type Case = { name: string; routes: unknown[]; path?: string; init: (token: string, iat: number) => RequestInit };

const EVIL = 'https://evil.example';
const cookieOf = (token: string, iat: number) => `__session=${token}; __client_uat=${iat - 5}; theme=dark`;
const CASES: Case[] = [
  { name: 'a bearer GET', routes: [{ prefix: '/api/' }], init: (t) => ({ headers: bearer(t) }) },
  {
    name: 'a bearer GET from an allowed origin, with a client request id and cf-ray',
    routes: [{ prefix: '/api/' }],
    init: (t) => ({ headers: { ...bearer(t), origin: TEST_AZP, 'x-request-id': 'client-1', 'cf-ray': 'ray-1' } }),
  },
  {
    name: 'a bearer GET from another origin',
    routes: [{ prefix: '/api/' }],
    init: (t) => ({ headers: { ...bearer(t), origin: EVIL } }),
  },
  { name: 'no credential', routes: [{ prefix: '/api/' }], init: () => ({ headers: { origin: TEST_AZP } }) },
  // HEAD: the app answers it as GET without a body (Hono); a refusal on the fast path must not carry one either.
  { name: 'a HEAD with no credential', routes: [{ prefix: '/api/' }], init: () => ({ method: 'HEAD' }) },
  { name: 'a bearer HEAD', routes: [{ prefix: '/api/' }], init: (t) => ({ method: 'HEAD', headers: bearer(t) }) },
  {
    name: 'a malformed Authorization',
    routes: [{ prefix: '/api/' }],
    init: () => ({ headers: { authorization: 'Bearer a b', origin: TEST_AZP } }),
  },
  {
    name: 'a cookie POST from an authorized party',
    routes: [{ prefix: '/api/' }],
    init: (t, iat) => ({ method: 'POST', headers: { cookie: cookieOf(t, iat), origin: TEST_AZP }, body: '{"a":1}' }),
  },
  {
    name: 'a cookie POST from another site (CSRF)',
    routes: [{ prefix: '/api/' }],
    init: (t, iat) => ({ method: 'POST', headers: { cookie: cookieOf(t, iat), origin: EVIL }, body: '{}' }),
  },
  {
    name: 'an organization route without an organization',
    routes: [{ prefix: '/api/', org: true }],
    init: (t) => ({ headers: { ...bearer(t), origin: TEST_AZP } }),
  },
  {
    name: '"cors": "origin", forwarded (the origin sets CORS)',
    routes: [{ prefix: '/api/', cors: 'origin' }],
    init: (t) => ({ headers: { ...bearer(t), origin: TEST_AZP } }),
  },
  {
    name: '"cors": "origin", refused by the edge',
    routes: [{ prefix: '/api/', cors: 'origin' }],
    init: () => ({ headers: { origin: TEST_AZP } }),
  },
  {
    name: 'hostile headers: spoofed identity in any spelling, hop-by-hop, Connection-listed and a token no name',
    routes: [{ prefix: '/api/' }],
    init: (t) => ({
      headers: {
        ...bearer(t),
        X_Fulcrum_User_Id: 'user_spoof',
        'x-forwarded-for': '10.0.0.1',
        'x-original-url': '/admin',
        connection: 'keep-alive, x-private, not a name',
        'keep-alive': 'timeout=5',
        'x-private': 'secret',
        te: 'trailers',
        'x-kept': 'yes',
      },
    }),
  },
  { name: 'an anonymous route', routes: [{ prefix: '/api/', auth: 'none' }], init: () => ({}) },
  {
    name: 'an optional route with a token, a query and a dot segment',
    routes: [{ prefix: '/api/', auth: 'optional' }],
    path: '/api/a/../b?q=1',
    init: (t) => ({ headers: bearer(t) }),
  },
];

/** The origin's answer: its own CORS grant, a hop-by-hop header and a cookie, so every header rule shows. */
const originAnswer = () =>
  Response.json(
    { ok: true },
    {
      headers: {
        'access-control-allow-origin': 'https://app.other.example',
        vary: 'Accept-Encoding',
        'set-cookie': 'a=1',
        'keep-alive': 'timeout=5',
      },
    },
  );

async function run(fastPath: boolean, c: Case, token: string, iat: number) {
  const origin = capturedOrigin(originAnswer);
  const bindings: GatewayBindings = await gatewayBindings(c.routes, origin);
  const services = createServices();
  const app = createApp({ services, gatewayFastPath: fastPath });
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const init = c.init(token, iat);
  const headers = new Headers(init.headers);
  headers.set('cf-connecting-ip', '198.18.7.7');
  let res: Response;
  try {
    res = await callApp(app, c.path ?? '/api/x', { ...init, headers }, bindings);
  } finally {
    spy.mockRestore();
  }
  const id = res.headers.get('x-request-id');
  const scrub = (text: string) => (id ? text.replaceAll(id, '<id>') : text);
  const access = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'request');
  const received = origin.received.map((r) => {
    const h = Object.fromEntries([...r.headers].filter(([n]) => n !== 'x-fulcrum-assertion'));
    return { method: r.method, url: r.url.href, headers: scrub(JSON.stringify(h)) };
  });
  return {
    status: res.status,
    headers: scrub(JSON.stringify([...res.headers])),
    body: scrub(await res.text()),
    received,
    access: access.map(({ time: _t, ms: _m, ...rest }) => scrub(JSON.stringify(rest))),
    points: services.metrics.buffer.points().map(({ t: _t, totalMs: _m, originMs: _o, ...rest }) => rest),
  };
}

describe('gateway fast path: the same answers as the middleware chain', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const iat = Math.floor(Date.now() / 1000);
      const token = await mintSessionToken({ userId: uid('user'), iat });
      const fast = await run(true, c, token, iat);
      const chain = await run(false, c, token, iat);
      expect(fast).toEqual(chain);
      expect(fast.access).toHaveLength(1);
      expect(fast.points).toHaveLength(1);
    });
  }
});

describe('what the fast path cannot set up', () => {
  it('a missing D1 binding: the app answers with its error envelope and x-request-id, never a bare 500', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const app = createApp({ services: createServices() });
    const withoutDb = { ...b, DB: undefined } as unknown as GatewayBindings;
    const res = await callApp(
      app,
      '/api/x',
      { headers: bearer(await mintSessionToken({ userId: uid('user') })) },
      withoutDb,
    );
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal');
    expect(origin.received).toHaveLength(0);
  });
});
