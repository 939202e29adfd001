// `tsx scripts/check-docs.ts` (part of `npm run check`): the markdown of README.md, CONTRIBUTING.md and docs/ keeps
// its links inside the repository and pointing at files and headings that exist, names only repository paths that
// exist, and docs/contracts.md lists every route (the OpenAPI document), error code (ERROR_STATUS) and binding
// (wrangler.toml) of the code, and a table row naming a rate limiter states LIMITERS' numbers. The rules are in scripts/lib/doc-links.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_STATUS } from '../src/errors';
import { LIMITERS } from '../src/rate-limit/limiters';
import { type Contracts, type DocFile, docProblems } from './lib/doc-links';
import { readWranglerConfig } from './lib/wrangler-config';

const root = join(import.meta.dirname, '..');

function markdownUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Binding names of the top-level block: every `[[x]]` entry's `binding` or `name`, and Durable Object bindings. */
function bindingNames(config: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const [field, value] of Object.entries(config)) {
    if (field === 'env' || field === 'routes') continue;
    const entries = Array.isArray(value)
      ? value
      : field === 'durable_objects' || field === 'queues'
        ? Object.values((value ?? {}) as Record<string, unknown>).flat()
        : [];
    for (const entry of entries) {
      if (typeof entry !== 'object' || entry === null) continue;
      const e = entry as { binding?: unknown; name?: unknown };
      const name = e.binding ?? (field === 'ratelimits' || field === 'durable_objects' ? e.name : undefined);
      if (typeof name === 'string') names.push(name);
    }
  }
  return names;
}

const doc = JSON.parse(readFileSync(join(root, 'public/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const contracts: Contracts = {
  routes: Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
  errorCodes: Object.keys(ERROR_STATUS),
  bindings: bindingNames(readWranglerConfig() as Record<string, unknown>),
  limiters: LIMITERS,
};
const files: DocFile[] = ['README.md', 'CONTRIBUTING.md', ...markdownUnder('docs')]
  .filter((path) => existsSync(join(root, path)))
  .map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
const problems = docProblems(files, (path) => existsSync(join(root, path)), contracts);

if (problems.length > 0) {
  console.error(`check-docs: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-docs: ${files.length} pages, links and paths inside the repository, contracts complete`);
