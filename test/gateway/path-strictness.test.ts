import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePath } from '../../src/gateway/normalize-path';
import { matchRoute, parseRouteTable } from '../../src/gateway/route-table';
import { expectError } from '../helpers/http';
import { capturedOrigin, gatewayBindings, send } from './harness';

/** The path as workerd's URL parser hands it to the Worker. */
const parsed = (raw: string) => new URL(`https://edge.fulcrum.test${raw}`).pathname;
const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/);

describe('paths common origin stacks read as another route are refused', () => {
  it.each([
    ['/public/..;/api/x', 'path_parameter'],
    ['/public/inner;jsessionid=1/x', 'path_parameter'],
    ['/public/inner%3Bx=1/x', 'path_parameter'],
    ['/public/inner./x', 'trailing_dot_or_space'],
    ['/public/inner%20/x', 'trailing_dot_or_space'],
    ['/public/inner.%20./x', 'trailing_dot_or_space'],
    ['/public/%EF%BD%89nner/x', 'unicode_normalization'],
    ['/public/ﬁle/x', 'unicode_normalization'],
  ])('%s ⇒ %s', (raw, reason) => {
    expect(normalizePath(parsed(raw))).toEqual({ ok: false, error: reason });
  });

  it('still accepted: inner dots and spaces, NFKC-stable non-ASCII', () => {
    for (const raw of ['/api/v1.2/x', '/api/a%20b', '/api/caf%C3%A9', '/api/日本'])
      expect(normalizePath(parsed(raw)).ok).toBe(true);
  });

  it('property: a segment with a ";" anywhere, or ending in "." or " ", is refused however it is spelled', () => {
    const hostile = fc.oneof(
      fc.tuple(word, word).map(([a, b]) => `${a};${b}`),
      fc.tuple(word, word).map(([a, b]) => `${a}%3b${b}`),
      fc.tuple(word, fc.constantFrom('.', '%2e', '%20', '..', '.%20')).map(([a, t]) => `${a}${t}`),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 3 }), hostile, fc.array(word, { maxLength: 3 }), (pre, bad, post) => {
        const result = normalizePath(parsed(`/${[...pre, bad, ...post].join('/')}`));
        expect(result.ok).toBe(false);
      }),
    );
  });

  it('property: a non-ASCII segment is accepted exactly when its NFKC form is itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), (s) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: excluding control characters is the point.
        fc.pre(!/[/\\;. %\u0000-\u001f\u007f]/.test(s) && !/[. ]$/.test(s) && /[^\u0000-\u007f]/.test(s));
        const result = normalizePath(`/${encodeURIComponent(s)}`);
        if (result.ok) expect(s.normalize('NFKC')).toBe(s);
        else expect(result.error === 'unicode_normalization' ? s.normalize('NFKC') !== s : true).toBe(true);
      }),
    );
  });
});

describe('prefixes match without regard to case', () => {
  it('property: any case spelling of a path meets the same route as the path', () => {
    const table = parseRouteTable([
      { prefix: '/public/', auth: 'none' },
      { prefix: '/public/inner/' },
      { prefix: '/API/' },
    ]);
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

  it('a duplicate prefix in another case is refused', () => {
    expect(parseRouteTable([{ prefix: '/api/' }, { prefix: '/API/' }]).problems).toEqual([
      { index: 1, prefix: '/API/', issue: 'duplicate prefix' },
    ]);
  });

  it('through the gateway: /public/INNER/x needs the inner route’s token; ;-params and IIS spellings are 400', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/public/', auth: 'none' }, { prefix: '/public/inner/' }], origin);
    await expectError(await send(b, '/public/INNER/x'), 401, 'invalid_token');
    for (const path of [
      '/public/..;/api/x',
      '/public/inner;jsessionid=1/x',
      '/public/inner./x',
      '/public/inner%20/x',
      '/public/%EF%BD%89nner/x',
    ])
      await expectError(await send(b, path), 400, 'invalid_request');
    expect(origin.received).toHaveLength(0);
    expect((await send(b, '/public/other')).status).toBe(200);
  });
});
