import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locatePath } from '../../src/gateway/path-readings';
import { matchRoute, parseRouteTable } from '../../src/gateway/route-table';
import { expectError } from '../helpers/http';
import { capturedOrigin, gatewayBindings, send } from './harness';

/** The path as workerd's URL parser hands it to the Worker. */
const parsed = (raw: string) => new URL(`https://edge.fulcrum.test${raw}`).pathname;
const ROUTES = [
  { prefix: '/', auth: 'none' },
  { prefix: '/public/', auth: 'none' },
  { prefix: '/public/inner/' },
  { prefix: '/api/' },
  { prefix: '/files/', auth: 'optional' },
];
const table = parseRouteTable(ROUTES);
const locate = (raw: string) => locatePath(table, parsed(raw));
/** The forwarded route's prefix, or the refusal. */
const outcome = (raw: string) => {
  const { path, match } = locate(raw);
  if (!path.ok) return `refused:${path.error}`;
  return match.kind === 'route' ? match.route.prefix : match.kind;
};

describe('a path an origin reads as another route policy is refused', () => {
  it.each([
    ['/public/..;/api/x', 'path_parameter'],
    ['/public/inner;jsessionid=1/x', 'path_parameter'],
    ['/public/inner%3Bx=1/x', 'path_parameter'],
    ['/public/inner./x', 'trailing_dot_or_space'],
    ['/public/inner%20/x', 'trailing_dot_or_space'],
    ['/public/inner.%20./x', 'trailing_dot_or_space'],
    ['/public/%EF%BD%89nner/x', 'unicode_normalization'],
    ['/public/%EF%BC%A9NNER/x', 'unicode_normalization'],
    // Decoded twice by some origins: `%2520` ⇒ ` `, `%253B` ⇒ `;`, `%25EF%25BD%2589` ⇒ `ｉ`, `%2569` ⇒ `i`.
    ['/public/inner%2520/x', 'double_encoding'],
    ['/public/inner%253B/x', 'double_encoding'],
    ['/public/inner%253bjsessionid=1/x', 'double_encoding'],
    ['/public/%25EF%25BD%2589nner/x', 'double_encoding'],
    ['/public/%2569nner/x', 'double_encoding'],
    // An edge-owned path read through a catch-all route.
    ['/v1;x/me', 'path_parameter'],
    ['/v1./me', 'trailing_dot_or_space'],
    ['/health%20/ready', 'trailing_dot_or_space'],
    ['/%EF%BD%961/me', 'unicode_normalization'],
    ['/x/..;/console', 'path_parameter'],
    ['/api;x/y', 'path_parameter'],
    // A junk escape beside valid ones must not stop decoding again: `..%3B%ZZ` is `..;%ZZ`, then `..` (Tomcat).
    ['/public/..%253B%25ZZ/api/x', 'double_encoding'],
    // Trailing dots and spaces trimmed before dot segments resolve: `.. ` is `..` to such an origin.
    ['/public/..%20/api/x', 'trailing_dot_or_space'],
    ['/public/...%20/api/x', 'trailing_dot_or_space'],
    // Escapes that decode again to no text (overlong UTF-8 for `..`): the edge cannot vouch for the reading.
    ['/public/%25C0%25AE%25C0%25AE/api/x', 'double_encoding'],
  ])('%s ⇒ %s', (raw, reason) => {
    expect(outcome(raw)).toBe(`refused:${reason}`);
  });

  it.each([
    // No reading moves these to another policy: forwarded as sent (they were all 400 before).
    ['/files/cafe%CC%81', '/files/'],
    ['/files/%E8%B3%87%E6%96%99%EF%BC%88%E6%9C%80%E7%B5%82%EF%BC%89.pdf', '/files/'],
    ['/files/%E2%84%A2', '/files/'],
    ['/companies/Acme%20Inc.', '/'],
    ['/dns/example.com.', '/'],
    ['/files/report;v=2', '/files/'],
    ['/files/a%2520b', '/files/'],
    ['/public/inner/x;jsessionid=1', '/public/inner/'],
    ['/public/inner/%EF%BD%89./x', '/public/inner/'],
    // The same policy either way: `/` and `/public/` are both auth "none".
    ['/public/..;/other', '/public/'],
    ['/public/other./x', '/public/'],
    // Case alone never matters: prefixes match without regard to it.
    ['/public/INNER/x', '/public/inner/'],
    // The edge's own routes, read literally by its own router, are never checked.
    ['/v1/me;x', 'none'],
    ['/V1/me', 'none'],
    ['/health', 'none'],
  ])('%s ⇒ accepted (%s)', (raw, expected) => {
    expect(outcome(raw)).toBe(expected);
  });

  it('a path that is not forwarded is not refused for its readings (the edge reads it literally)', () => {
    const narrow = parseRouteTable([{ prefix: '/api/' }]);
    for (const raw of ['/api;x/y', '/api./y', '/%EF%BD%81pi/y'])
      expect(locatePath(narrow, parsed(raw))).toMatchObject({ path: { ok: true }, match: { kind: 'none' } });
  });
});

describe('properties', () => {
  // Bases that no reading turns into a prefix segment, a dot segment or nothing (letters a-d only).
  const base = fc.stringMatching(/^[a-d]{1,6}$/);
  const decoration = fc.constantFrom(
    '',
    ';v=1',
    '%3Bv',
    '.',
    '%20',
    '.%20.',
    '%CC%81',
    '%EF%BC%88',
    '%E2%84%A2',
    '%2520',
    '%253B',
    '%25EF%25BC%2588',
    '%C3%A9',
  );
  const benign = fc
    .tuple(fc.constantFrom('', '%EF%BD%81', 'B'), base, decoration)
    .map(([head, b, tail]) => `${head}${b}${tail}`);

  it('a legitimate path (no reading changes its policy) is never refused', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['public', 'inner'], ['public'], ['api'], ['files'], []),
        fc.array(benign, { maxLength: 4 }),
        (prefix, tail) => {
          const raw = `/${[...prefix, ...tail].join('/')}`;
          const expected = prefix.length === 0 ? '/' : `/${prefix.join('/')}/`;
          expect(outcome(raw)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  // Spellings of a segment that one reading (or several) undoes; uppercase alone is not one.
  const fullWidth = (ch: string) => encodeURIComponent(String.fromCodePoint(ch.codePointAt(0)! + 0xfee0));
  const hostile = (word: string) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
        fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
        fc.constantFrom('', ';jsessionid=1', '%3Bx', '.', '%20', '..', '.%20', '%2520', '%253B', '%252E'),
        fc.boolean(),
      )
      .filter(([wide, , tail]) => tail !== '' || wide.some(Boolean))
      .map(([wide, upper, tail, doubly]) => {
        const letters = [...word].map((ch, i) => {
          const c = upper[i] ? ch.toUpperCase() : ch;
          if (!wide[i]) return c;
          const enc = fullWidth(c);
          return doubly ? enc.replaceAll('%', '%25') : enc;
        });
        return `${letters.join('')}${tail}`;
      });

  it('any path whose reading meets another policy (or an edge-owned path) is refused', () => {
    const cases = fc.oneof(
      hostile('inner').map((s) => `/public/${s}/x`),
      hostile('api').map((s) => `/${s}/x`),
      hostile('v1').map((s) => `/${s}/me`),
      hostile('console').map((s) => `/${s}`),
      fc.constantFrom('/public/..;/api/x', '/public/a/..;/inner/x', '/b/..;/v1/me'),
    );
    fc.assert(
      fc.property(cases, (raw) => {
        expect(outcome(raw)).toMatch(/^refused:/);
      }),
      { numRuns: 1000 },
    );
  });

  it('any case spelling of a path meets the same route as the path', () => {
    const flip = (s: string, mask: boolean[]) =>
      [...s].map((ch, i) => (mask[i % mask.length] ? ch.toUpperCase() : ch)).join('');
    fc.assert(
      fc.property(
        fc.constantFrom(['public', 'inner', 'x'], ['public', 'x'], ['api', 'y'], ['v1', 'me'], ['health']),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (segments, mask) => {
          const a = matchRoute(table, segments);
          const b = matchRoute(
            table,
            segments.map((s) => flip(s, mask)),
          );
          expect(b.kind).toBe(a.kind);
          if (a.kind === 'route' && b.kind === 'route') expect(b.route.prefix).toBe(a.route.prefix);
        },
      ),
    );
  });
});

describe('through the gateway', () => {
  it('a duplicate prefix in another case is refused', () => {
    expect(parseRouteTable([{ prefix: '/api/' }, { prefix: '/API/' }]).problems).toEqual([
      { index: 1, prefix: '/API/', issue: 'duplicate prefix' },
    ]);
  });

  it('attacks are 400 and never reach the origin; /public/INNER/x needs the inner route’s token', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings(ROUTES, origin);
    await expectError(await send(b, '/public/INNER/x'), 401, 'invalid_token');
    for (const path of [
      '/public/..;/api/x',
      '/public/inner;jsessionid=1/x',
      '/public/inner./x',
      '/public/inner%20/x',
      '/public/%EF%BD%89nner/x',
      '/public/inner%2520/x',
      '/public/inner%253B/x',
      '/public/%25EF%25BD%2589nner/x',
      '/v1;x/me',
    ])
      await expectError(await send(b, path), 400, 'invalid_request');
    expect(origin.received).toHaveLength(0);
  });

  it('legitimate paths reach the origin as sent; the edge’s own routes answer beside a catch-all', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings(ROUTES, origin);
    const legit = [
      '/files/cafe%CC%81',
      '/files/%E8%B3%87%E6%96%99%EF%BC%88%E6%9C%80%E7%B5%82%EF%BC%89.pdf',
      '/files/%E2%84%A2',
      '/companies/Acme%20Inc.',
      '/dns/example.com.',
    ];
    for (const path of legit) {
      const res = await send(b, path);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { path: string }).path).toBe(path);
    }
    expect((await send(b, '/health')).status).toBe(200);
    // Edge-owned prefixes match a gateway prefix without regard to case, so `/V1/me` is not forwarded by the `/`
    // catch-all: the edge's own (case-sensitive) router answers 404.
    await expectError(await send(b, '/V1/me'), 404, 'not_found');
    expect(origin.received.map((r) => r.url.pathname)).toEqual(legit);
  });
});
