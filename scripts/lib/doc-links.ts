// The rules `scripts/check-docs.ts` applies to the repository's markdown (README.md, CONTRIBUTING.md, docs/): pure,
// so test/scripts/doc-links.test.ts runs them on strings. A fact stated in prose must not rot: every link stays
// inside the repository and reaches a file (and heading) that exists, every repository path named in code spans
// exists, and docs/contracts.md lists every route, error code and binding the code has.

export type DocFile = { path: string; text: string };

/**
 * What the code says, for docs/contracts.md: `GET /v1/me`-style routes, error codes, binding names; and, for every
 * page, each rate limiter's production numbers (`LIMITERS`).
 */
export type Contracts = {
  routes: string[];
  errorCodes: string[];
  bindings: string[];
  limiters?: Record<string, { limit: number; periodSeconds: number }>;
};

/** Top-level folders whose paths, named in a code span, must exist. */
const REPO_FOLDERS = ['src', 'test', 'scripts', 'bench', 'drill', 'e2e', 'docs', 'migrations', 'examples'];
/** A code span naming a pattern or a placeholder, not one file. */
const PLACEHOLDER = /[*<>{}…$]|NNNN/;

/** The text outside fenced code blocks, line by line (a link or heading in a code sample is not one). */
function proseLines(text: string): { line: string; number: number }[] {
  const out: { line: string; number: number }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker !== undefined) {
      if (fence === null) fence = marker;
      else if (fence === marker) fence = null;
      return;
    }
    if (fence === null) out.push({ line, number: i + 1 });
  });
  return out;
}

/** GitHub's heading anchor: lower-cased, punctuation dropped (not `-` or `_`), each space a `-`. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a markdown file offers (repeated headings get `-1`, `-2`, … as on GitHub). */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = headingSlug(heading);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** `a/b/../c` → `a/c`; null when the path climbs out of the repository. */
export function resolvePath(fromFile: string, target: string): string | null {
  const parts = target.startsWith('/') ? [] : fromFile.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** Inline code spans removed, so a link written as code is not a link. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[^`]*?\1/g, '');
}

function linkProblems(file: DocFile, exists: (path: string) => boolean, byPath: Map<string, DocFile>): string[] {
  const problems: string[] = [];
  for (const { line, number } of proseLines(file.text)) {
    const where = `${file.path}:${number}`;
    const prose = withoutCodeSpans(line);
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? ''),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1] ?? ''),
      ...[...prose.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)].map((m) => m[1] ?? ''),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) {
        problems.push(`${where}: link leaves the repository: ${target}`);
        continue;
      }
      const [pathPart = '', anchor] = target.split('#', 2);
      const resolved = pathPart === '' ? file.path : resolvePath(file.path, decodeURIComponent(pathPart));
      if (resolved === null) {
        problems.push(`${where}: link climbs out of the repository: ${target}`);
        continue;
      }
      if (!exists(resolved)) {
        problems.push(`${where}: link to a missing file: ${target}`);
        continue;
      }
      const linked = byPath.get(resolved);
      if (anchor !== undefined && linked !== undefined && !anchorsOf(linked.text).has(anchor)) {
        problems.push(`${where}: no heading #${anchor} in ${resolved}`);
      }
    }
  }
  return problems;
}

function pathProblems(file: DocFile, exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  for (const { line, number } of proseLines(file.text)) {
    for (const m of line.matchAll(/`([^`\s]+)`/g)) {
      const span = m[1] ?? '';
      const top = span.split('/')[0] ?? '';
      if (!span.includes('/') || !REPO_FOLDERS.includes(top) || PLACEHOLDER.test(span)) continue;
      if (!exists(span.replace(/\/$/, ''))) problems.push(`${file.path}:${number}: names a missing path: ${span}`);
    }
  }
  return problems;
}

/** The section of a markdown text under `## title`, up to the next `## `. */
function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = text.indexOf('\n## ', start + 4);
  return text.slice(start, end < 0 ? undefined : end);
}

function contractProblems(contracts: DocFile | undefined, code: Contracts): string[] {
  if (contracts === undefined) return ['docs/contracts.md is missing'];
  const where = contracts.path;
  const problems: string[] = [];
  const surface = section(contracts.text, 'HTTP surface');
  for (const route of code.routes)
    if (!surface.includes(`\`${route}\``)) problems.push(`${where}: "HTTP surface" lacks the route \`${route}\``);
  const errors = section(contracts.text, 'Errors');
  for (const codeName of code.errorCodes)
    if (!errors.includes(`| \`${codeName}\` |`)) problems.push(`${where}: "Errors" lacks the code \`${codeName}\``);
  const bindings = section(contracts.text, 'Bindings');
  for (const binding of code.bindings)
    if (!bindings.includes(`\`${binding}\``)) problems.push(`${where}: "Bindings" lacks \`${binding}\``);
  return problems;
}

/**
 * A table row whose first cell names a limiter (`| \`AUTH_FAILURE_LIMITER\` |`) and states numbers in it
 * (`100 / 60 s`): the first such pair must be the limiter's own (the production numbers of `LIMITERS`; other
 * environments' numbers may follow in words). The generated docs/configuration.md is built from the same source.
 */
function limiterProblems(file: DocFile, limiters: NonNullable<Contracts['limiters']>): string[] {
  const problems: string[] = [];
  for (const line of file.text.split('\n')) {
    const row = /^\|\s*`([A-Z_]+)`\s*\|(.*)$/.exec(line);
    const limiter = row && limiters[row[1] as string];
    if (!row || !limiter) continue;
    const stated = /(\d[\d,]*)\s*\/\s*(\d+)\s*s\b/.exec(row[2] as string);
    if (!stated) continue;
    const [limit, period] = [Number((stated[1] as string).replace(/,/g, '')), Number(stated[2])];
    if (limit !== limiter.limit || period !== limiter.periodSeconds)
      problems.push(
        `${file.path}: \`${row[1]}\` is ${limiter.limit} / ${limiter.periodSeconds} s in LIMITERS, not ${stated[0]}`,
      );
  }
  return problems;
}

/** Every problem of the given markdown files; `exists` answers for repository-relative paths. */
export function docProblems(files: DocFile[], exists: (path: string) => boolean, code: Contracts): string[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return [
    ...files.flatMap((f) => [...linkProblems(f, exists, byPath), ...pathProblems(f, exists)]),
    ...contractProblems(byPath.get('docs/contracts.md'), code),
    ...files.flatMap((f) => (code.limiters ? limiterProblems(f, code.limiters) : [])),
  ];
}
