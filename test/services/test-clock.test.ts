import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createServices } from '../../src/services/services';
import { callApp, expectError } from '../helpers/http';

const TOKEN = 'drill-clock-token-0123456789';

function setup(vars: Record<string, string | undefined>) {
  const services = createServices({ now: () => 1_000_000 });
  const app = createApp({ services });
  const bindings = { ...env, ...vars };
  const advance = (init: { token?: string; body?: unknown; method?: string } = {}) =>
    callApp(
      app,
      '/__test/clock',
      {
        method: init.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...(init.token ? { 'x-test-clock-token': init.token } : {}) },
        ...(init.method === 'GET' ? {} : { body: JSON.stringify(init.body ?? { advanceMs: 31_000 }) }),
      },
      bindings,
    );
  return { services, advance };
}

describe('POST /__test/clock (the drill moves the services clock instead of sleeping)', () => {
  it('development + TEST_CLOCK_TOKEN presented: the services clock moves forward by advanceMs', async () => {
    const { services, advance } = setup({ ENVIRONMENT: 'development', TEST_CLOCK_TOKEN: TOKEN });
    expect(services.now()).toBe(1_000_000);
    const res = await advance({ token: TOKEN });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ offsetMs: 31_000 });
    expect(services.now()).toBe(1_031_000);
    await advance({ token: TOKEN, body: { advanceMs: 60_000 } });
    expect(services.now()).toBe(1_091_000);
  });

  it('refused as an unknown path (404) in staging and production, even with the token set and presented', async () => {
    // Also where ENVIRONMENT is missing or mistyped (the config then defaults to development; this route does not).
    for (const ENVIRONMENT of ['staging', 'production', undefined, 'Development', 'Production']) {
      const { services, advance } = setup({ ENVIRONMENT, TEST_CLOCK_TOKEN: TOKEN });
      await expectError(await advance({ token: TOKEN }), 404, 'not_found');
      await expectError(await advance({ token: TOKEN, method: 'GET' }), 404, 'not_found');
      expect(services.now()).toBe(1_000_000);
    }
  });

  it('refused (404) in development: no TEST_CLOCK_TOKEN, a short one, a wrong or missing header', async () => {
    const cases: [string | undefined, string | undefined][] = [
      [undefined, TOKEN],
      ['', TOKEN],
      ['short', 'short'],
      [TOKEN, undefined],
      [TOKEN, `${TOKEN.slice(0, -1)}x`],
      [TOKEN, `${TOKEN}x`],
    ];
    for (const [configured, presented] of cases) {
      const { services, advance } = setup({ ENVIRONMENT: 'development', TEST_CLOCK_TOKEN: configured });
      await expectError(await advance(presented ? { token: presented } : {}), 404, 'not_found');
      expect(services.now()).toBe(1_000_000);
    }
  });

  it('only forward, by a bounded whole number of milliseconds', async () => {
    const { services, advance } = setup({ ENVIRONMENT: 'development', TEST_CLOCK_TOKEN: TOKEN });
    for (const advanceMs of [0, -1000, 1.5, 86_400_001, '1000', null]) {
      await expectError(await advance({ token: TOKEN, body: { advanceMs } }), 400, 'invalid_request');
    }
    await expectError(await advance({ token: TOKEN, method: 'GET' }), 405, 'method_not_allowed');
    expect(services.now()).toBe(1_000_000);
  });

  it('the default services (no injected clock) follow Date.now with no shift', () => {
    const before = Date.now();
    const now = createServices().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
