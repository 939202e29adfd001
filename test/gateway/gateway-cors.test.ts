import { describe, expect, it } from 'vitest';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

/** A cross-origin preflight as a browser sends it. */
const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
});
const corsHeaders = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

/** The origin's own CORS answer (its policy, not the edge's: another origin, no credentials). */
const ORIGIN_CORS = {
  'access-control-allow-origin': 'https://app.other.example',
  'access-control-expose-headers': 'x-origin-trace',
  vary: 'Accept-Encoding',
};

describe('gateway CORS: "cors": "origin" (the API origin owns CORS)', () => {
  it("a preflight is the origin's: forwarded unauthenticated, its answer reaches the client as it came", async () => {
    const origin = capturedOrigin(
      () => new Response(null, { status: 204, headers: { ...ORIGIN_CORS, 'access-control-allow-methods': 'POST' } }),
    );
    const b = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], origin);
    const res = await send(b, '/api/x', preflight(TEST_AZP));
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({ ...ORIGIN_CORS, 'access-control-allow-methods': 'POST' });
    expect(origin.received.map((r) => r.method)).toEqual(['OPTIONS']);
  });

  it('an OPTIONS that is not a preflight (no Origin or no Access-Control-Request-Method) is authenticated', async () => {
    const origin = capturedOrigin(() => new Response(null, { status: 204 }));
    const b = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], origin);
    const notPreflights: Record<string, string>[] = [
      {},
      { origin: TEST_AZP },
      { 'access-control-request-method': 'POST' },
    ];
    for (const headers of notPreflights) {
      await expectError(await send(b, '/api/x', { method: 'OPTIONS', headers, body: 'x' }), 401, 'invalid_token');
    }
    expect(origin.received).toHaveLength(0);
    const token = await mintSessionToken({ userId: uid('user') });
    const res = await send(b, '/api/x', { method: 'OPTIONS', headers: bearer(token) });
    expect(res.status).toBe(204);
    expect(origin.received.map((r) => r.headers.get('x-fulcrum-assertion') !== null)).toEqual([true]);
  });

  it("responses carry the origin's CORS headers untouched, none of the edge's (even for its origins)", async () => {
    const origin = capturedOrigin(() => Response.json({ ok: true }, { headers: ORIGIN_CORS }));
    const b = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], origin);
    const token = await mintSessionToken({ userId: uid('user') });
    for (const from of [TEST_AZP, 'https://app.other.example', 'https://evil.example']) {
      const res = await send(b, '/api/x', { headers: { ...bearer(token), origin: from } });
      expect(res.status).toBe(200);
      expect(corsHeaders(res), from).toEqual(ORIGIN_CORS);
    }
    // An origin that sets no CORS headers: the response has none at all (no grant, no Vary).
    const silent = capturedOrigin(() => Response.json({ ok: true }));
    const b2 = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], silent);
    const res = await send(b2, '/api/x', { headers: { ...bearer(token), origin: TEST_AZP } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });

  it("what the edge answers itself (a refusal) has the edge's policy; nothing is forwarded", async () => {
    const origin = capturedOrigin(() => Response.json({ ok: true }, { headers: ORIGIN_CORS }));
    const b = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], origin);
    const ours = await send(b, '/api/x', { headers: { origin: TEST_AZP } });
    await expectError(ours, 401, 'invalid_token');
    expect(ours.headers.get('access-control-allow-origin')).toBe(TEST_AZP);
    expect(ours.headers.get('access-control-allow-credentials')).toBe('true');
    const theirs = await send(b, '/api/x', { headers: { origin: 'https://evil.example' } });
    await expectError(theirs, 401, 'invalid_token');
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
    expect(theirs.headers.get('access-control-allow-credentials')).toBeNull();
    expect(origin.received).toHaveLength(0);
  });
});

describe('gateway CORS: "cors": "edge" (the default)', () => {
  it('a preflight is answered by the edge (204, never 401) and never reaches the origin', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const res = await send(b, '/api/x', preflight(TEST_AZP));
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(TEST_AZP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(origin.received).toHaveLength(0);
  });

  it("responses carry the edge's grant only: the origin's own CORS headers never mix with it", async () => {
    // An origin granting every origin: with the edge's credentials flag, a credentialed read for anyone.
    const origin = capturedOrigin((req) =>
      Response.json(
        { ok: true },
        { headers: { 'access-control-allow-origin': req.headers.get('origin') ?? '*', 'access-control-max-age': '9' } },
      ),
    );
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const token = await mintSessionToken({ userId: uid('user') });
    const allowed = await send(b, '/api/x', { headers: { ...bearer(token), origin: TEST_AZP } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(TEST_AZP);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('x-request-id,x-d1-bookmark');
    expect(allowed.headers.get('access-control-max-age')).toBeNull();
    const evil = await send(b, '/api/x', { headers: { ...bearer(token), origin: 'https://evil.example' } });
    expect(evil.status).toBe(200);
    expect(Object.keys(corsHeaders(evil)).filter((n) => n.startsWith('access-control-'))).toEqual([]);
    expect(origin.received).toHaveLength(2);
  });
});
