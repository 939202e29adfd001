import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { ORIGIN_PROBE_INTERVAL_MS } from '../../src/gateway/origin-health';
import { createServices } from '../../src/services/services';
import { callApp } from '../helpers/http';
import { capturedOrigin, gatewayBindings } from './harness';

type GatewayCheck = { status: string; origin: Record<string, unknown> };

/** A cold isolate on a clock the test moves, and its readiness's gateway check. */
function isolate() {
  let t = Date.UTC(2026, 11, 3, 12);
  const app = createApp({ services: createServices({ now: () => t }) });
  return {
    advance: (ms: number) => {
      t += ms;
    },
    gateway: async (bindings: object) => {
      const res = await callApp(app, '/health/ready', undefined, bindings);
      const body = (await res.json()) as { checks: { gateway: GatewayCheck } };
      return { status: res.status, check: body.checks.gateway };
    },
  };
}

describe('origin health (ORIGIN_HEALTH_PATH)', () => {
  it('no probe without it: the origin only says how it is reached', async () => {
    const origin = capturedOrigin(() => new Response('ok'));
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const { check } = await isolate().gateway(b);
    expect(check).toMatchObject({ status: 'ok', origin: { via: 'binding' } });
    expect(check.origin).not.toHaveProperty('status');
    expect(origin.received).toHaveLength(0);
  });

  it('probes the path once per 30 s per isolate, however often readiness is asked', async () => {
    const origin = capturedOrigin(() => new Response('ok'));
    const b = await gatewayBindings([{ prefix: '/api/' }], origin, { ORIGIN_HEALTH_PATH: '/healthz' });
    const edge = isolate();
    const first = await edge.gateway(b);
    expect(first.check).toMatchObject({
      status: 'ok',
      origin: { via: 'binding', status: 'ok', httpStatus: 200, checkedAt: '2026-12-03T12:00:00.000Z' },
    });
    expect(typeof first.check.origin.latencyMs).toBe('number');
    for (let i = 0; i < 5; i++) await edge.gateway(b);
    edge.advance(ORIGIN_PROBE_INTERVAL_MS - 1);
    await edge.gateway(b);
    expect(origin.received).toHaveLength(1);
    expect(origin.received[0]?.url.pathname).toBe('/healthz');
    expect(origin.received[0]?.method).toBe('GET');
    // The probe carries no identity.
    expect([...(origin.received[0]?.headers.keys() ?? [])].filter((k) => k.startsWith('x-fulcrum-'))).toEqual([]);
    edge.advance(1);
    await edge.gateway(b);
    expect(origin.received).toHaveLength(2);
  });

  it('a non-2xx or an unreachable origin is degraded (readiness stays 200), and recovers on the next probe', async () => {
    let answer: () => Response = () => new Response('down', { status: 503 });
    const origin = capturedOrigin(() => answer());
    const b = await gatewayBindings([{ prefix: '/api/' }], origin, { ORIGIN_HEALTH_PATH: '/healthz' });
    const edge = isolate();
    let seen = await edge.gateway(b);
    expect(seen.check).toMatchObject({ status: 'degraded', origin: { status: 'fail', httpStatus: 503 } });
    answer = () => {
      throw new Error('connection refused');
    };
    edge.advance(ORIGIN_PROBE_INTERVAL_MS);
    seen = await edge.gateway(b);
    expect(seen.check).toMatchObject({ status: 'degraded', origin: { status: 'fail', httpStatus: null } });
    answer = () => new Response(null, { status: 204 });
    edge.advance(ORIGIN_PROBE_INTERVAL_MS);
    seen = await edge.gateway(b);
    expect(seen.check).toMatchObject({ status: 'ok', origin: { status: 'ok', httpStatus: 204 } });
  });

  it('a path that is not an absolute path is misconfigured, named by readiness', async () => {
    const origin = capturedOrigin(() => new Response('ok'));
    for (const bad of ['healthz', '//evil.example/x', '/a b', '/h?x=1', 'https://x/h']) {
      const b = await gatewayBindings([{ prefix: '/api/' }], origin, { ORIGIN_HEALTH_PATH: bad });
      const res = await callApp(createApp(), '/health/ready', undefined, b);
      const body = (await res.json()) as { checks: { config: { problems: { name: string }[] } } };
      expect(res.status).toBe(503);
      expect(body.checks.config.problems.map((p) => p.name)).toContain('ORIGIN_HEALTH_PATH');
    }
    expect(origin.received).toHaveLength(0);
  });
});
