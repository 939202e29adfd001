import { describe, expect, it } from 'vitest';
import { seedTenant } from '../helpers/api-app';
import { call } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';

describe('cache headers for a CDN', () => {
  it.each([
    ['/openapi.json', /application\/json/],
    ['/docs', /text\/html/],
    ['/docs/docs.js', /javascript/],
    ['/docs/docs.css', /text\/css/],
  ])('%s: public Cache-Control, a content-hash ETag, 304 on If-None-Match', async (path, type) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(type);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const body = await res.text();
    // The ETag is the content's hash: recompute it.
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
    expect(etag).toBe(`"${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`);

    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const cached = await call(path, { headers: { 'if-none-match': inm } });
      expect(cached.status, inm).toBe(304);
      expect(await cached.text()).toBe('');
      expect(cached.headers.get('etag')).toBe(etag);
      expect(cached.headers.get('cache-control')).toMatch(/^public/);
    }
    for (const inm of ['"other"', etag.slice(0, -2), '', 'garbage, ,,']) {
      expect((await call(path, { headers: { 'if-none-match': inm } })).status, inm).toBe(200);
    }
  });

  it('/.well-known/jwks.json: public, ETag, 304', async () => {
    const res = await call('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^public/);
    const etag = res.headers.get('etag') as string;
    expect((await call('/.well-known/jwks.json', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('tenant-scoped responses are private, no-store (success, 403, 404 and 400 alike)', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId });
    const token = await mintSessionToken({ userId });
    for (const path of [
      '/v1/me',
      '/v1/tenant',
      '/v1/audit/logins',
      '/v1/orgs/current',
      '/v1/audit/logins?limit=0',
      '/v1/admin/usage',
    ]) {
      const res = await call(path, { headers: bearer(token) });
      expect(res.headers.get('cache-control'), `${path} ${res.status}`).toBe('private, no-store');
    }
  });

  it('401s keep their own no-store', async () => {
    const res = await call('/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
