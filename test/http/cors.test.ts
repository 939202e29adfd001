import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/env';
import { corsAllowedOrigins, corsAllowOrigin } from '../../src/http/cors';
import { call, callApp, expectError } from '../helpers/http';
import { bearer, mintSessionToken, TEST_AZP } from '../helpers/tokens';

const preflight = (origin: string, method = 'GET', headers = 'authorization, x-d1-bookmark') => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
});
const csv = (v: string | null) => (v ?? '').split(',').map((s) => s.trim().toLowerCase());

describe('CORS policy (pure)', () => {
  it('CORS_ALLOWED_ORIGINS, else CLERK_AUTHORIZED_PARTIES; exact origins only, never null', () => {
    const parties = parseConfig({ ...env });
    expect(corsAllowedOrigins(parties)).toEqual([TEST_AZP]);
    const own = parseConfig({ ...env, CORS_ALLOWED_ORIGINS: 'https://dash.example, http://localhost:3000' });
    expect(corsAllowedOrigins(own)).toEqual(['https://dash.example', 'http://localhost:3000']);
    expect(corsAllowOrigin('https://dash.example', corsAllowedOrigins(own))).toBe('https://dash.example');
    for (const origin of ['https://dash.example/', 'https://DASH.example', 'https://evil.example', 'null', ''])
      expect(corsAllowOrigin(origin, [...corsAllowedOrigins(own), 'null', ''])).toBeNull();
  });

  it('a malformed CORS_ALLOWED_ORIGINS is a named configuration problem (never its value)', () => {
    for (const value of ['*', 'https://dash.example/path', 'dash.example', 'ftp://dash.example']) {
      const config = parseConfig({ ...env, CORS_ALLOWED_ORIGINS: value });
      expect(config.problems.find((p) => p.name === 'CORS_ALLOWED_ORIGINS')?.issue, value).toBe('malformed');
      expect(JSON.stringify(config.problems)).not.toContain(value === '*' ? '"*"' : value);
    }
  });
});

describe('CORS on the Worker', () => {
  it('answers a preflight before authentication: 204 with the policy, never 401', async () => {
    for (const path of ['/v1/me', '/v1/admin/webhooks/msg_1/replay', '/v1/does-not-exist']) {
      const res = await call(path, preflight(TEST_AZP, 'POST'));
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(TEST_AZP);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(csv(res.headers.get('access-control-allow-headers'))).toEqual([
        'authorization',
        'content-type',
        'x-d1-bookmark',
      ]);
      expect(csv(res.headers.get('access-control-allow-methods'))).toEqual(
        expect.arrayContaining(['get', 'post', 'delete']),
      );
      expect(csv(res.headers.get('vary'))).toContain('origin');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(await res.text()).toBe('');
    }
  });

  it('a preflight from another origin gets no CORS grant (and still no 401)', async () => {
    const res = await call('/v1/me', preflight('https://evil.example'));
    expect(res.status).toBe(204);
    for (const name of [
      'access-control-allow-origin',
      'access-control-allow-credentials',
      'access-control-allow-headers',
    ])
      expect(res.headers.get(name), name).toBeNull();
    expect(csv(res.headers.get('vary'))).toContain('origin');
  });

  it('a cross-origin GET with a bearer token: allow-origin, credentials, exposed headers, Vary: Origin', async () => {
    const token = await mintSessionToken({ userId: 'user_cors' });
    const res = await call('/v1/me', { headers: { ...bearer(token), origin: TEST_AZP } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(TEST_AZP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(csv(res.headers.get('access-control-expose-headers'))).toEqual(['x-request-id', 'x-d1-bookmark']);
    expect(csv(res.headers.get('vary'))).toContain('origin');
  });

  it('errors are readable by an allowed origin (a 401 carries the grant), invisible to others', async () => {
    const ours = await call('/v1/me', { headers: { origin: TEST_AZP } });
    await expectError(ours, 401, 'invalid_token');
    expect(ours.headers.get('access-control-allow-origin')).toBe(TEST_AZP);
    const theirs = await call('/v1/me', { headers: { origin: 'https://evil.example' } });
    await expectError(theirs, 401, 'invalid_token');
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
    expect(theirs.headers.get('access-control-allow-credentials')).toBeNull();
    expect(theirs.headers.get('access-control-expose-headers')).toBeNull();
    expect(csv(theirs.headers.get('vary'))).toContain('origin');
  });

  it(
    'Vary: Origin also without an Origin (a shared cache must not ' + 'serve one origin the grant of another)',
    async () => {
      const res = await call('/health');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(csv(res.headers.get('vary'))).toContain('origin');
    },
  );

  it('CORS_ALLOWED_ORIGINS replaces the authorized parties for CORS (not for azp)', async () => {
    const app = createApp();
    const bindings = { ...env, CORS_ALLOWED_ORIGINS: 'https://dash.example' };
    const dash = await callApp(app, '/v1/me', preflight('https://dash.example'), bindings);
    expect(dash.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    const app2 = await callApp(app, '/v1/me', preflight(TEST_AZP), bindings);
    expect(app2.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a plain OPTIONS (no preflight headers) is not a preflight: it goes through authentication', async () => {
    await expectError(await call('/v1/me', { method: 'OPTIONS' }), 401, 'invalid_token');
  });
});
