import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { call, callApp, expectError } from '../helpers/http';

// The console, the /docs page and /openapi.json are static assets (public/), outside the Worker's bundle, served by
// the Worker's own routes (wrangler.toml [assets] run_worker_first): same headers as when they were inlined.
describe('static assets served by the Worker', () => {
  it.each([
    ['/console', /text\/html/, 'operator console'],
    ['/console/console.js', /javascript/, 'sessionStorage'],
    ['/console/console.css', /text\/css/, '--fg'],
  ])('%s: its content type, the strict CSP, no referrer, a content-hash ETag and 304', async (path, type, text) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(type);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(await res.text()).toContain(text);
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const cached = await call(path, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
  });

  it('the files are reachable only through their routes, not by their file names', async () => {
    for (const path of ['/console/index.html', '/docs/index.html', '/console/nope.js', '/index.html']) {
      await expectError(await call(path), 404, 'not_found');
    }
  });

  it('the assets binding failing: 500 in the envelope, and the next request reads it again', async () => {
    let calls = 0;
    const ASSETS = {
      fetch: async (url: string | URL) => {
        calls += 1;
        return calls === 1 ? new Response('boom', { status: 503 }) : env.ASSETS.fetch(url);
      },
    };
    const app = createApp();
    const bindings = { ...env, ASSETS };
    await expectError(await callApp(app, '/console', undefined, bindings), 500, 'internal');
    const res = await callApp(app, '/console', undefined, bindings);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('operator console');
    // Read once per isolate after that.
    await callApp(app, '/console', undefined, bindings);
    expect(calls).toBe(2);
  });

  it('the assets binding missing: 503 misconfigured naming it, never a 500', async () => {
    const res = await callApp(createApp(), '/console', undefined, { ...env, ASSETS: undefined });
    const error = await expectError(res, 503, 'misconfigured');
    expect((error as { missing?: string[] }).missing).toEqual(['ASSETS']);
  });
});
