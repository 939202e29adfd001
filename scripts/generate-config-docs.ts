// `npm run config:docs`: writes docs/configuration.md and .dev.vars.example from the one declaration of the
// configuration (src/config/variables.ts) and the limiters (LIMITERS), and checks wrangler.toml against them:
// every [[ratelimits]] block of every environment carries LIMITERS' numbers (Retry-After follows LIMITERS), and
// [vars] hold only declared names whose value differs from the default. `--check` (part of `npm run check`)
// writes nothing and fails when either file is stale or wrangler.toml disagrees.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIABLES } from '../src/config/variables';
import { LIMITERS } from '../src/rate-limit/limiters';
import { limiterProblems, renderConfigurationPage, renderDevVarsExample, varsProblems } from './lib/config-docs';
import { readWranglerConfig } from './lib/wrangler-config';

const root = join(import.meta.dirname, '..');
const config = readWranglerConfig();
const files = [
  ['docs/configuration.md', renderConfigurationPage(VARIABLES, LIMITERS, config)],
  ['.dev.vars.example', renderDevVarsExample(VARIABLES)],
] as const;
const problems = [...limiterProblems(config, LIMITERS), ...varsProblems(config, VARIABLES)];

if (process.argv.includes('--check')) {
  for (const [path, text] of files) {
    let current = '';
    try {
      current = readFileSync(join(root, path), 'utf8');
    } catch {}
    if (current !== text) problems.push(`${path} is stale: run \`npm run config:docs\` and commit it`);
  }
} else {
  for (const [path, text] of files) writeFileSync(join(root, path), text);
  console.log(`config:docs: wrote ${files.map(([path]) => path).join(' and ')}`);
}
if (problems.length > 0) {
  console.error(`config:docs: FAILED\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('config:docs: docs current; wrangler.toml agrees with the declaration and LIMITERS');
