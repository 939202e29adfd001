import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkMock, mockClerk } from '../helpers/clerk-mock';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { fakeMachineApi, randomOpaque, verifiedBody } from '../helpers/machine-tokens';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

let clerk: ClerkMock | undefined;
afterEach(() => clerk?.restore());

/** A limiter binding that lets `limit` events per key through, recording the keys. */
function perKey(limit: number) {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    binding: {
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return { success: (counts.get(key) ?? 0) <= limit };
      },
    },
  };
}

describe('GATEWAY_LIMITER: one budget per principal, any token type', () => {
  it('a user over the limit with session tokens is also 429 with their API key and OAuth token', async () => {
    const user = uid('user');
    const apiKey = randomOpaque('ak_');
    const oauth = randomOpaque('oat_');
    const api = fakeMachineApi(
      new Map([
        [apiKey, { status: 200, body: verifiedBody('api_key', { subject: user }) }],
        [oauth, { status: 200, body: verifiedBody('oauth_token', { subject: user }) }],
      ]),
    );
    clerk = mockClerk(api.routes);
    const origin = capturedOrigin();
    const limiter = perKey(2);
    const b = await gatewayBindings(
      [{ prefix: '/api/', accept: ['session_token', 'api_key', 'oauth_token'] }],
      origin,
      { GATEWAY_LIMITER: limiter.binding },
    );
    const session = await mintSessionToken({ userId: user });
    expect((await send(b, '/api/x', { headers: bearer(session) })).status).toBe(200);
    expect((await send(b, '/api/x', { headers: bearer(session) })).status).toBe(200);
    await expectError(await send(b, '/api/x', { headers: bearer(session) }), 429, 'rate_limited');
    await expectError(await send(b, '/api/x', { headers: bearer(apiKey) }), 429, 'rate_limited');
    await expectError(await send(b, '/api/x', { headers: bearer(oauth) }), 429, 'rate_limited');
    expect(new Set(limiter.keys)).toEqual(new Set([`user:${user}`]));
    expect(origin.received).toHaveLength(2);
  });
});

describe('GATEWAY_ANONYMOUS_LIMITER: anonymous requests per client', () => {
  it('on none and optional routes: 429 past the limit for that client (an IPv6 /64), others unaffected', async () => {
    const origin = capturedOrigin();
    const limiter = perKey(3);
    const b = await gatewayBindings(
      [
        { prefix: '/open/', auth: 'none' },
        { prefix: '/opt/', auth: 'optional' },
      ],
      origin,
      { GATEWAY_ANONYMOUS_LIMITER: limiter.binding },
    );
    const from = (i: number) => ({ 'cf-connecting-ip': `2001:db8:5:6::${i.toString(16)}` });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await send(b, i % 2 ? '/open/x' : '/opt/x', { headers: from(i) })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(new Set(limiter.keys)).toEqual(new Set(['2001:db8:5:6::/64']));
    expect((await send(b, '/open/x', { headers: { 'cf-connecting-ip': '192.0.2.77' } })).status).toBe(200);
    // An authenticated request on the optional route is the principal's, not the anonymous client's.
    const token = await mintSessionToken({ userId: uid('user') });
    expect((await send(b, '/opt/x', { headers: { ...from(9), ...bearer(token) } })).status).toBe(200);
    expect(origin.received).toHaveLength(5);
  });

  it('a preflight passed to the origin (a "cors": "origin" route) counts as the client\'s anonymous traffic', async () => {
    const origin = capturedOrigin(() => new Response(null, { status: 204 }));
    const limiter = perKey(2);
    const b = await gatewayBindings([{ prefix: '/api/', cors: 'origin' }], origin, {
      GATEWAY_ANONYMOUS_LIMITER: limiter.binding,
    });
    const preflight = {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'cf-connecting-ip': '192.0.2.9',
      },
    };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(b, '/api/x', preflight)).status);
    expect(statuses).toEqual([204, 204, 429, 429]);
    expect(limiter.keys).toEqual(Array(4).fill('192.0.2.9'));
    expect(origin.received).toHaveLength(2);
  });
});
