import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createServices } from '../../src/services/services';
import { capturedOrigin, gatewayBindings } from '../gateway/harness';
import { seedTenant } from '../helpers/api-app';
import { callApp } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { CLERK_SAMPLES, clerkEvent, svixHeaders } from '../helpers/webhooks';

/** A spy in place of the METRICS binding (Analytics Engine does nothing locally). */
function spyDataset() {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, binding: { writeDataPoint: (p?: AnalyticsEngineDataPoint) => void points.push(p ?? {}) } };
}

/** A cold isolate with the spy as METRICS; `extra` bindings on top of the test env. */
function rig(extra: object = {}) {
  const dataset = spyDataset();
  const services = createServices();
  const app = createApp({ services });
  const bindings = { ...env, ...extra, METRICS: dataset.binding };
  const send = (path: string, init?: RequestInit) => callApp(app, path, init, bindings);
  return { ...dataset, services, send };
}

/** The blobs of the only point written, and its index and doubles (times are not asserted: they vary). */
function only(points: AnalyticsEngineDataPoint[]) {
  expect(points).toHaveLength(1);
  const [p] = points;
  return { index: p?.indexes?.[0], blobs: p?.blobs, count: p?.doubles?.[0], originMs: p?.doubles?.[2] };
}

const blobs = (surface: string, route: string, outcome: string, reason: string, type: string, status: number) => [
  surface,
  route,
  outcome,
  reason,
  type,
  '-',
  String(status),
  '-',
];

describe('one data point per authenticated or refused request', () => {
  it('an accepted session: edge, route pattern, tenant index, count 1', async () => {
    const { points, send } = rig();
    const userId = uid('user');
    const res = await send('/v1/me', { headers: bearer(await mintSessionToken({ userId })) });
    expect(res.status).toBe(200);
    expect(only(points)).toEqual({
      index: userId,
      blobs: blobs('edge', '/v1/me', 'accepted', '-', 'session_token', 200),
      count: 1,
      originMs: 0,
    });
  });

  it('every refusal carries its tagged reason: missing, malformed, expired, type_not_accepted', async () => {
    const { points, send } = rig();
    await send('/v1/tenant');
    await send('/v1/tenant', { headers: { authorization: 'Basic abc' } });
    await send('/v1/tenant', { headers: bearer(await mintSessionToken({ iat: Math.floor(Date.now() / 1000) - 600 })) });
    await send('/v1/tenant', { headers: bearer(`ak_${'a'.repeat(32)}`) });
    expect(points.map((p) => p.blobs)).toEqual([
      blobs('edge', '/v1/tenant', 'refused', 'missing', 'session_token', 401),
      blobs('edge', '/v1/tenant', 'refused', 'malformed', 'session_token', 401),
      blobs('edge', '/v1/tenant', 'refused', 'expired', 'session_token', 401),
      blobs('edge', '/v1/tenant', 'refused', 'type_not_accepted', 'api_key', 401),
    ]);
    expect(points.every((p) => p.indexes?.[0] === '-')).toBe(true);
  });

  it('rate_limited: a client IP in the penalty box', async () => {
    const { points, send, services } = rig();
    // Refused before the token is even looked at: its type is not known.
    services.rateLimits.failedCredentials.add('203.0.113.50', Date.now(), 60);
    const headers = { ...bearer(await mintSessionToken()), 'cf-connecting-ip': '203.0.113.50' };
    expect((await send('/v1/tenant', { headers })).status).toBe(429);
    expect(only(points).blobs).toEqual(blobs('edge', '/v1/tenant', 'refused', 'rate_limited', '-', 429));
  });

  it('tenant_archived, and a cross-site cookie request (csrf)', async () => {
    const { points, send } = rig();
    const userId = uid('user');
    await seedTenant({ id: userId, status: 'archived' });
    expect((await send('/v1/tenant', { headers: bearer(await mintSessionToken({ userId })) })).status).toBe(403);
    const cookie = `__session=${await mintSessionToken()}; __client_uat=1`;
    const csrf = await send('/v1/tenant', { method: 'DELETE', headers: { cookie, origin: 'https://evil.test' } });
    expect(csrf.status).toBe(403);
    expect(points.map((p) => p.blobs)).toEqual([
      blobs('edge', '/v1/tenant', 'refused', 'tenant_archived', 'session_token', 403),
      // No DELETE route: the pattern that matched (never the raw path, whose values a client chooses).
      blobs('edge', '/v1/*', 'refused', 'csrf', 'session_token', 403),
    ]);
  });

  it('admin calls: forbidden, second_factor_required, accepted', async () => {
    const { points, send } = rig();
    await send('/v1/admin/usage', { headers: bearer(await mintSessionToken({ userId: uid('user') })) });
    await send('/v1/admin/usage', { headers: bearer(await mintSessionToken({ userId: 'user_admin', fva: [1, -1] })) });
    await send('/v1/admin/usage', { headers: bearer(await mintSessionToken({ userId: 'user_admin', fva: [1, 1] })) });
    expect(points.map((p) => p.blobs)).toEqual([
      blobs('admin', '/v1/admin/usage', 'refused', 'forbidden', 'session_token', 403),
      blobs('admin', '/v1/admin/usage', 'refused', 'second_factor_required', 'session_token', 403),
      blobs('admin', '/v1/admin/usage', 'accepted', '-', 'session_token', 200),
    ]);
  });

  it('webhooks: a bad signature is refused with its reason; a verified event is accepted', async () => {
    const { points, send } = rig();
    const body = JSON.stringify(
      clerkEvent('user.created', { ...CLERK_SAMPLES['user.created']?.data, id: uid('user') }, Date.now()),
    );
    const headers = svixHeaders(body);
    await send('/api/webhooks/clerk', { method: 'POST', body, headers: { ...headers, 'svix-signature': 'v1,AAAA' } });
    await send('/api/webhooks/clerk', { method: 'POST', body, headers });
    expect(points.map((p) => p.blobs?.slice(0, 4))).toEqual([
      ['webhook', '/api/webhooks/clerk', 'refused', 'bad_signature'],
      ['webhook', '/api/webhooks/clerk', 'accepted', '-'],
    ]);
  });

  it('gateway: the prefix as route, the origin time, and the origin’s own 404 still "accepted"', async () => {
    const origin = capturedOrigin(() => new Response('nope', { status: 404 }));
    const { points, send } = rig(await gatewayBindings([{ prefix: '/api/' }], origin));
    const userId = uid('user');
    expect((await send('/api/x', { headers: bearer(await mintSessionToken({ userId })) })).status).toBe(404);
    await send('/api/x');
    const [forwarded, refused] = points;
    expect(forwarded?.blobs).toEqual(blobs('gateway', '/api/', 'accepted', '-', 'session_token', 404));
    expect(forwarded?.indexes).toEqual([userId]);
    expect(forwarded?.doubles?.[2]).toBeGreaterThanOrEqual(0);
    expect(refused?.blobs).toEqual(blobs('gateway', '/api/', 'refused', 'missing', 'session_token', 401));
  });

  it('health, documents and preflights are not counted', async () => {
    const { points, send } = rig();
    await send('/health');
    await send('/openapi.json');
    await send('/v1/me', { method: 'OPTIONS', headers: { origin: 'https://app.fulcrum.test' } });
    expect(points).toEqual([]);
  });

  it('development keeps the points in the isolate buffer; production does not', async () => {
    const dev = rig();
    await dev.send('/v1/tenant');
    expect(dev.services.metrics.buffer.points().map((p) => [p.reason, p.status])).toEqual([['missing', 401]]);
    const prod = rig({ ENVIRONMENT: 'production' });
    await prod.send('/v1/tenant');
    expect(prod.points).toHaveLength(1);
    expect(prod.services.metrics.buffer.size).toBe(0);
  });

  it('a METRICS binding that throws changes no response', async () => {
    const services = createServices();
    const broken = {
      writeDataPoint: () => {
        throw new Error('analytics down');
      },
    };
    const res = await callApp(createApp({ services }), '/v1/tenant', undefined, { ...env, METRICS: broken });
    expect(res.status).toBe(401);
  });
});
