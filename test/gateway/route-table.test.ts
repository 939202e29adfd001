import { describe, expect, it } from 'vitest';
import { normalizePath } from '../../src/gateway/normalize-path';
import { EDGE_OWNED_PREFIXES, matchRoute, parseRouteTable } from '../../src/gateway/route-table';

const segmentsOf = (path: string) => {
  const n = normalizePath(path);
  if (!n.ok) throw new Error(path);
  return n.value.segments;
};
const matched = (table: ReturnType<typeof parseRouteTable>, path: string) => {
  const m = matchRoute(table, segmentsOf(path));
  return m.kind === 'route' ? m.route.prefix : m.kind;
};

describe('GATEWAY_ROUTES parsing', () => {
  it('applies the documented defaults', () => {
    const { routes, problems } = parseRouteTable('[{"prefix":"/api/"}]');
    expect(problems).toEqual([]);
    expect(routes[0]).toMatchObject({
      prefix: '/api/',
      auth: 'required',
      accept: ['session_token'],
      org: false,
      roles: [],
      permissions: [],
      features: [],
      plans: [],
      forwardCredentials: false,
      cors: 'edge',
    });
    expect(routes[0]?.secondFactorMinutes).toBeUndefined();
  });

  it('accepts a real JSON array (wrangler.toml) as well as a string (.dev.vars); empty means no routes', () => {
    expect(parseRouteTable([{ prefix: '/api/' }]).routes).toHaveLength(1);
    expect(parseRouteTable('')).toEqual({ routes: [], problems: [] });
    expect(parseRouteTable(undefined)).toEqual({ routes: [], problems: [] });
  });

  it('names each invalid entry by index (and prefix when readable); the valid ones still load', () => {
    const { routes, problems } = parseRouteTable([
      { prefix: '/ok/' },
      { prefix: '/typo/', auht: 'none' },
      { prefix: 'relative' },
      { prefix: '/bad/', accept: ['password'] },
      { prefix: '/anon/', auth: 'optional', roles: ['org:admin'] },
      { prefix: '/mfa/', secondFactorMinutes: -1 },
      { prefix: '/ok/' },
      { prefix: '/a/../b' },
      { prefix: '/q?x=1' },
      42,
    ]);
    expect(routes.map((r) => r.prefix)).toEqual(['/ok/']);
    expect(problems.map((p) => [p.index, p.prefix])).toEqual([
      [1, '/typo/'],
      [2, null],
      [3, '/bad/'],
      [4, '/anon/'],
      [5, '/mfa/'],
      [6, '/ok/'],
      [7, '/a/../b'],
      [8, null],
      [9, null],
    ]);
    expect(problems[5]?.issue).toBe('duplicate prefix');
  });

  it('refuses prefixes at or under every edge-owned route, in any spelling', () => {
    for (const edge of EDGE_OWNED_PREFIXES) {
      for (const prefix of [edge, `${edge}/`, `${edge}/sub/`, `/${edge}`.replace('//', '/')]) {
        const { routes, problems } = parseRouteTable([{ prefix }]);
        expect(routes, prefix).toEqual([]);
        expect(problems[0]?.issue).toMatch(/edge-owned/);
      }
    }
  });

  it('is not valid JSON / not an array ⇒ one problem naming GATEWAY_ROUTES', () => {
    expect(parseRouteTable('[{').problems[0]?.issue).toMatch(/not valid JSON/);
    expect(parseRouteTable('{"prefix":"/api/"}').problems[0]?.issue).toMatch(/array/);
  });
});

describe('matching', () => {
  const table = parseRouteTable([
    { prefix: '/api/' },
    { prefix: '/api/admin/' },
    { prefix: '/files' },
    { prefix: '/' },
  ]);

  it('longest prefix wins, on whole segments', () => {
    expect(matched(table, '/api/hello')).toBe('/api/');
    expect(matched(table, '/api')).toBe('/api/');
    expect(matched(table, '/api/admin/users')).toBe('/api/admin/');
    expect(matched(table, '/api/administrator')).toBe('/api/');
    expect(matched(table, '/apix')).toBe('/');
    expect(matched(table, '/files/a.txt')).toBe('/files');
    expect(matched(table, '/filesystem')).toBe('/');
  });

  it('edge-owned routes are never matched, even under a catch-all "/" prefix', () => {
    for (const path of [
      '/v1/me',
      '/health',
      '/api/webhooks/clerk',
      '/.well-known/jwks.json',
      '/openapi.json',
      '/docs',
      '/__test/clock',
    ]) {
      expect(matched(table, path)).toBe('none');
    }
  });

  it('a broken entry more specific than any valid route answers (503), never a broader policy', () => {
    const t = parseRouteTable([{ prefix: '/api/' }, { prefix: '/api/admin/', roles: 'org:admin' }]);
    expect(matched(t, '/api/admin/x')).toBe('broken');
    expect(matched(t, '/api/other')).toBe('/api/');
  });
});
