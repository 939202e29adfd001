import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePath } from '../../src/gateway/normalize-path';
import { isEdgeOwned, matchRoute, parseRouteTable } from '../../src/gateway/route-table';

/** The path as workerd's URL parser hands it to the Worker (dot segments and `%2e` already resolved). */
const parsed = (raw: string) => new URL(`https://edge.fulcrum.test${raw}`).pathname;

/**
 * A deliberately lenient origin's reading of a forwarded path: it percent-decodes `rounds` times,
 * treats `\` as `/`, resolves dot segments and collapses empty ones. The edge must have matched on
 * exactly these segments.
 */
function originView(path: string, rounds: number): string[] {
  let segments = path.split('/');
  for (let i = 0; i < rounds; i++) {
    segments = segments.flatMap((s) => {
      try {
        return decodeURIComponent(s).split(/[/\\]/);
      } catch {
        return [s];
      }
    });
  }
  const out: string[] = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

describe('normalizePath', () => {
  it.each([
    ['/api/hello', ['api', 'hello'], '/api/hello'],
    ['//api//hello', ['api', 'hello'], '/api/hello'],
    ['/api/', ['api'], '/api/'],
    ['/', [], '/'],
    ['/api/a%20b', ['api', 'a b'], '/api/a%20b'],
    ['/api/%41', ['api', 'A'], '/api/%41'],
  ])('%s ⇒ %j', (raw, segments, path) => {
    expect(normalizePath(parsed(raw))).toEqual({ ok: true, value: { segments, path } });
  });

  it('resolves dot segments the way the URL parser does, so /api/../v1/admin is edge-owned', () => {
    for (const raw of ['/api/../v1/admin', '/api/%2e%2e/v1/admin', '/api/.%2E/v1/admin', '/api/./../v1/admin']) {
      const n = normalizePath(parsed(raw));
      expect(n.ok && isEdgeOwned(n.value.segments)).toBe(true);
    }
  });

  it.each([
    ['/api%2F..%2Fv1/admin', 'encoded_separator'],
    ['/api/x%2F', 'encoded_separator'],
    ['/api/x%5c..', 'encoded_separator'],
    ['/api/%252e%252e/v1', 'double_encoding'],
    ['/api/%00', 'control_character'],
    ['/api/%0d%0a', 'control_character'],
    ['/api/%zz', 'bad_encoding'],
    ['/api/%e9', 'bad_encoding'],
  ])('refuses %s (%s)', (raw, reason) => {
    expect(normalizePath(parsed(raw))).toEqual({ ok: false, error: reason });
  });

  it('refuses a raw backslash (some servers read it as a separator)', () => {
    // The WHATWG parser turns `\` into `/` for http(s) URLs; a Worker can still receive one in a raw path.
    expect(normalizePath('/api\\..\\v1')).toEqual({ ok: false, error: 'backslash' });
  });

  const table = parseRouteTable([
    { prefix: '/api/' },
    { prefix: '/api/admin', roles: ['org:admin'] },
    { prefix: '/public', auth: 'none' },
  ]);
  const route = (segments: readonly string[]) => {
    const m = matchRoute(table, segments);
    return m.kind === 'route' ? m.route.prefix : m.kind;
  };
  const token = fc.constantFrom(
    'api',
    'admin',
    'public',
    'v1',
    'health',
    'apix',
    'x',
    '.',
    '..',
    '%2e',
    '%2E',
    '%2e%2e',
    '.%2e',
    '%2f',
    '%2F',
    '%5c',
    '%5C',
    '%252e',
    '%252f',
    '%25',
    '%00',
    '%41',
    'a%20b',
    '',
    'webhooks',
    '%61pi',
    'ADMIN',
    '%2e%2e%2f',
  );
  const rawPath = fc.array(token, { maxLength: 8 }).map((t) => `/${t.join('/')}`);

  it(
    'property: an accepted path reaches exactly the route its canonical ' + 'reading reaches (decoded once or twice)',
    () => {
      fc.assert(
        fc.property(rawPath, fc.boolean(), (raw, trailing) => {
          const n = normalizePath(parsed(raw + (trailing ? '/' : '')));
          if (!n.ok) return;
          const { path, segments } = n.value;
          expect(path.includes('//')).toBe(false);
          for (const rounds of [1, 2]) {
            const seen = originView(path, rounds);
            expect(seen).toEqual(segments);
            expect(route(seen)).toBe(route(segments));
          }
        }),
        { numRuns: 2000 },
      );
    },
  );

  it('property: no spelling of an edge-owned path is forwarded', () => {
    fc.assert(
      fc.property(rawPath, (raw) => {
        const n = normalizePath(parsed(raw));
        if (!n.ok) return;
        if (isEdgeOwned(originView(n.value.path, 2))) expect(route(n.value.segments)).toBe('none');
      }),
      { numRuns: 2000 },
    );
  });
});
