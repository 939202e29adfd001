import { describe, expect, it } from 'vitest';
import { anchorsOf, type Contracts, docProblems, headingSlug, resolvePath } from '../../scripts/lib/doc-links';

const CONTRACTS = `# Contracts
## Bindings
| \`DB\` | D1 |
## HTTP surface
| \`GET /v1/me\` | session |
## Errors
| \`invalid_token\` | 401 |
`;
const NONE: Contracts = { routes: [], errorCodes: [], bindings: [] };
const FILES = new Set(['README.md', 'docs/contracts.md', 'docs/a.md', 'src/app.ts', 'src/auth']);
const exists = (path: string) => FILES.has(path);

function problemsOf(text: string, path = 'docs/a.md', code: Contracts = NONE): string[] {
  return docProblems(
    [
      { path, text },
      { path: 'docs/contracts.md', text: CONTRACTS },
    ],
    exists,
    code,
  );
}

describe('doc links', () => {
  it('accepts links to files and headings inside the repository', () => {
    const text =
      '# A\n## Two words `code`\nSee [c](contracts.md#http-surface), [r](../README.md), [s](#two-words-code).\n';
    expect(problemsOf(text)).toEqual([]);
  });

  it('refuses links that leave the repository, in any form', () => {
    const text = [
      '[x](https://example.com/page)',
      '[y](//cdn.example.com/x.js)',
      '<https://example.com>',
      '[z]: http://example.com',
      '[w](mailto:someone@example.com)',
      '[up](../../shared/DESIGN.md)',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'docs/a.md:1: link leaves the repository: https://example.com/page',
      'docs/a.md:2: link leaves the repository: //cdn.example.com/x.js',
      'docs/a.md:3: link leaves the repository: https://example.com',
      'docs/a.md:4: link leaves the repository: http://example.com',
      'docs/a.md:5: link leaves the repository: mailto:someone@example.com',
      'docs/a.md:6: link climbs out of the repository: ../../shared/DESIGN.md',
    ]);
  });

  it('refuses links to missing files and missing headings', () => {
    expect(problemsOf('[m](missing.md) [h](contracts.md#nowhere) [s](#nor-here)')).toEqual([
      'docs/a.md:1: link to a missing file: missing.md',
      'docs/a.md:1: no heading #nowhere in docs/contracts.md',
      'docs/a.md:1: no heading #nor-here in docs/a.md',
    ]);
  });

  it('ignores links inside code blocks and code spans', () => {
    expect(problemsOf('```sh\ncurl [x](https://example.com)\n```\n`[y](https://example.com)`\n')).toEqual([]);
  });

  it('refuses repository paths in code spans that do not exist, not patterns or placeholders', () => {
    const text = '`src/app.ts` `src/auth/` `src/gone.ts` `src/webhooks/fold-*.ts` `test/<folder>/` `node:fs/x`';
    expect(problemsOf(text)).toEqual(['docs/a.md:1: names a missing path: src/gone.ts']);
  });

  it("requires every route, error code and binding of the code in docs/contracts.md's tables", () => {
    const code: Contracts = {
      routes: ['GET /v1/me', 'POST /v1/new'],
      errorCodes: ['invalid_token', 'gone'],
      bindings: ['DB', 'ARCHIVE'],
    };
    expect(problemsOf('', 'docs/a.md', code)).toEqual([
      'docs/contracts.md: "HTTP surface" lacks the route `POST /v1/new`',
      'docs/contracts.md: "Errors" lacks the code `gone`',
      'docs/contracts.md: "Bindings" lacks `ARCHIVE`',
    ]);
  });
});

describe('limiter numbers', () => {
  const limiters = { AUTH_FAILURE_LIMITER: { limit: 1000, periodSeconds: 60 } };
  const code: Contracts = { ...NONE, limiters };
  it("accepts a table row that states the limiter's numbers, with or without a thousands separator", () => {
    expect(
      problemsOf('| `AUTH_FAILURE_LIMITER` | rate limit, 1,000 / 60 s (50 in staging) |', 'docs/a.md', code),
    ).toEqual([]);
    expect(problemsOf('| `AUTH_FAILURE_LIMITER` | 1000 / 60 s |', 'docs/a.md', code)).toEqual([]);
    expect(problemsOf('| `AUTH_FAILURE_LIMITER` | refused credentials |', 'docs/a.md', code)).toEqual([]);
  });
  it('refuses a table row whose numbers drifted from LIMITERS', () => {
    expect(problemsOf('| `AUTH_FAILURE_LIMITER` | 100 / 60 s |', 'docs/a.md', code)).toEqual([
      'docs/a.md: `AUTH_FAILURE_LIMITER` is 1000 / 60 s in LIMITERS, not 100 / 60 s',
    ]);
    expect(problemsOf('| `AUTH_FAILURE_LIMITER` | 1,000 / 10 s |', 'docs/a.md', code)).toHaveLength(1);
  });
});

describe('anchors and paths', () => {
  it("slugs headings as GitHub does (punctuation dropped, '_' and '-' kept, repeats numbered)", () => {
    expect(headingSlug("The gateway's signing key (`EDGE_SIGNING_KEY`)")).toBe(
      'the-gateways-signing-key-edge_signing_key',
    );
    expect(headingSlug('Scheduled work (cron)')).toBe('scheduled-work-cron');
    expect([...anchorsOf('# A\n## Notes\n## Notes\n```\n# not a heading\n```\n')]).toEqual(['a', 'notes', 'notes-1']);
  });

  it('resolves relative paths and refuses climbing out of the repository', () => {
    expect(resolvePath('docs/a.md', '../README.md')).toBe('README.md');
    expect(resolvePath('docs/a.md', './b.md')).toBe('docs/b.md');
    expect(resolvePath('README.md', 'docs/x/../a.md')).toBe('docs/a.md');
    expect(resolvePath('README.md', '../outside.md')).toBeNull();
  });
});
