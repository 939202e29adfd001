import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { runMaintenance } from '../../src/scheduled';
import { createServices } from '../../src/services/services';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';
import { callApp, expectError } from '../helpers/http';
import { bearer, mintSessionToken } from '../helpers/tokens';

type ClerkCheck = {
  status: string;
  environment: string;
  instance: { frontendApi: string; mode: string } | null;
  secretKeyMode: string | null;
  warnings: { code: string; names: string[]; message: string }[];
  error?: string;
  names?: string[];
  message?: string;
};
type Ready = {
  status: string;
  checks: { clerk: ClerkCheck; config: { status: string; problems?: { name: string; issue: string }[] } };
};

const LIVE_PK = 'pk_live_Y2xlcmsuZnVsY3J1bS5leGFtcGxlJA'; // clerk.fulcrum.example
const LIVE_SK = 'sk_live_readiness_test_secret_value';

async function ready(bindings: object, app = createApp()): Promise<{ status: number; body: Ready; text: string }> {
  const res = await callApp(app, '/health/ready', undefined, bindings);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Ready, text };
}

let clerk: ClerkMock | undefined;
afterEach(() => {
  clerk?.restore();
  clerk = undefined;
  vi.restoreAllMocks();
});

describe('GET /health/ready names the Clerk instance (host and mode, never a key)', () => {
  it('local development with the Development instance: ok', async () => {
    const { status, body, text } = await ready({ ...env });
    expect(status).toBe(200);
    expect(body.checks.clerk).toEqual({
      status: 'ok',
      environment: 'development',
      instance: { frontendApi: 'fulcrum.clerk.accounts.dev', mode: 'test' },
      secretKeyMode: 'test',
      warnings: [],
    });
    expect(text).not.toContain(env.CLERK_PUBLISHABLE_KEY);
    expect(text).not.toContain(env.CLERK_SECRET_KEY);
  });

  it('without a usable publishable key there is no instance to name: fail', async () => {
    for (const CLERK_PUBLISHABLE_KEY of [undefined, 'pk_test_bm90LWEtaG9zdCQ']) {
      const { status, body } = await ready({ ...env, CLERK_PUBLISHABLE_KEY });
      expect(status).toBe(503);
      expect(body.checks.clerk).toMatchObject({ status: 'fail', error: 'publishable_key_unusable', instance: null });
    }
  });

  it('production with live keys: ok, and it says production', async () => {
    const { status, body } = await ready({
      ...env,
      ENVIRONMENT: 'production',
      CLERK_PUBLISHABLE_KEY: LIVE_PK,
      CLERK_SECRET_KEY: LIVE_SK,
    });
    expect(status).toBe(200);
    expect(body.checks.clerk).toMatchObject({
      status: 'ok',
      environment: 'production',
      instance: { frontendApi: 'clerk.fulcrum.example', mode: 'live' },
      secretKeyMode: 'live',
    });
  });
});

describe('mixed test and live keys', () => {
  for (const [label, keys] of [
    ['pk_test_ with sk_live_', { CLERK_SECRET_KEY: LIVE_SK }],
    ['pk_live_ with sk_test_', { CLERK_PUBLISHABLE_KEY: LIVE_PK }],
  ] as const) {
    it(`${label}: readiness 503 names both variables; /v1/* answers 503 misconfigured, JWT key or not`, async () => {
      const bindings = { ...env, ...keys };
      const { status, body, text } = await ready(bindings);
      expect(status).toBe(503);
      expect(body.checks.clerk).toMatchObject({
        status: 'fail',
        error: 'keys_mismatched',
        names: ['CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY'],
      });
      expect(body.checks.clerk.message).toMatch(
        /CLERK_PUBLISHABLE_KEY is (test|live).* but CLERK_SECRET_KEY is (live|test)/,
      );
      expect(body.checks.config.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'CLERK_PUBLISHABLE_KEY', issue: 'mismatched' }),
          expect.objectContaining({ name: 'CLERK_SECRET_KEY', issue: 'mismatched' }),
        ]),
      );
      for (const value of [LIVE_SK, LIVE_PK, env.CLERK_SECRET_KEY, env.CLERK_PUBLISHABLE_KEY])
        expect(text).not.toContain(value);

      // env has CLERK_JWT_KEY (networkless verification): still refused, with 503 rather than a 401 that signs
      // users out.
      const me = await callApp(createApp(), '/v1/me', { headers: bearer(await mintSessionToken()) }, bindings);
      const error = await expectError(me, 503, 'misconfigured');
      expect(JSON.stringify(error)).not.toContain(LIVE_SK);
    });
  }

  it('the cron never reconciles with a mismatched secret key (no Clerk call)', async () => {
    clerk = mockClerk({});
    const report = await runMaintenance(createServices(), { ...env, CLERK_SECRET_KEY: LIVE_SK }, Date.now());
    expect(report.reconcile).toEqual({ skipped: 'CLERK_SECRET_KEY' });
    expect(clerk.calls).toEqual([]);
  });
});

describe('a live key in local development', () => {
  it('is a loud warning: readiness degraded (200) with the field, one log line per isolate', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // one app (its services) and one env object = one isolate
    const isolate = { ...env, CLERK_PUBLISHABLE_KEY: LIVE_PK, CLERK_SECRET_KEY: LIVE_SK };
    const app = createApp();
    const first = await ready(isolate, app);
    const second = await ready(isolate, app);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('degraded');
    expect(first.body.checks.clerk).toMatchObject({
      status: 'degraded',
      environment: 'development',
      warnings: [{ code: 'live_key_in_development', names: ['CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY'] }],
    });
    expect(second.body.checks.clerk.warnings).toHaveLength(1);
    const lines = warn.mock.calls
      .map(([line]) => String(line))
      .filter((l) => l.includes('"event":"config.live_key_in_development"'));
    expect(lines).toHaveLength(1);
    for (const value of [LIVE_SK, LIVE_PK]) {
      expect(lines[0]).not.toContain(value);
      expect(first.text).not.toContain(value);
    }
  });

  it('a test key in production is a warning too; staging may use either', async () => {
    const prod = await ready({ ...env, ENVIRONMENT: 'production' });
    expect(prod.body.checks.clerk).toMatchObject({
      status: 'degraded',
      warnings: [{ code: 'test_key_in_production' }],
    });
    const staging = await ready({
      ...env,
      ENVIRONMENT: 'staging',
      CLERK_PUBLISHABLE_KEY: LIVE_PK,
      CLERK_SECRET_KEY: LIVE_SK,
    });
    expect(staging.body.checks.clerk).toMatchObject({ status: 'ok', warnings: [] });
  });
});

describe('Clerk refuses the secret key (JWKS 401)', () => {
  it('readiness says to rotate CLERK_SECRET_KEY, in that instance, for that environment', async () => {
    const apiUrl = `https://api-${crypto.randomUUID().slice(0, 8)}.clerk.test`;
    clerk = mockClerk({ '/v1/jwks': () => json({ errors: [{ code: 'authentication_invalid' }] }, 401) }, apiUrl);
    const bindings = { ...env, ENVIRONMENT: 'production', CLERK_PUBLISHABLE_KEY: LIVE_PK, CLERK_SECRET_KEY: LIVE_SK };
    const res = await callApp(createApp(), '/health/ready', undefined, {
      ...bindings,
      CLERK_JWT_KEY: undefined,
      CLERK_API_URL: apiUrl,
    });
    const text = await res.text();
    const keys = (JSON.parse(text) as { checks: { keys: Record<string, unknown> } }).checks.keys;
    expect(keys).toMatchObject({ status: 'fail', lastRefreshError: 'secret_key_invalid', rotate: 'CLERK_SECRET_KEY' });
    expect(keys.action).toMatch(/Rotate CLERK_SECRET_KEY \(CLERK_PUBLISHABLE_KEY stays\)/);
    expect(keys.action).toMatch(/clerk\.fulcrum\.example \(live instance\)/);
    expect(keys.action).toMatch(/wrangler secret put CLERK_SECRET_KEY --env production/);
    expect(text).not.toContain(LIVE_SK);
  });

  it('no rotation advice while Clerk is merely unreachable', async () => {
    const apiUrl = `https://api-${crypto.randomUUID().slice(0, 8)}.clerk.test`;
    clerk = mockClerk({ '/v1/jwks': () => json({ errors: [] }, 503) }, apiUrl);
    const res = await callApp(createApp(), '/health/ready', undefined, {
      ...env,
      CLERK_JWT_KEY: undefined,
      CLERK_API_URL: apiUrl,
    });
    const keys = ((await res.json()) as { checks: { keys: Record<string, unknown> } }).checks.keys;
    expect(keys).toMatchObject({ lastRefreshError: 'clerk_unreachable' });
    expect(keys).not.toHaveProperty('rotate');
  });
});
