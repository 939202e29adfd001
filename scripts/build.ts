// `npm run build`: bundles EVERY wrangler.toml environment (`wrangler deploy --dry-run`, one
// dist/<env>/ each) and fails when one does not build, when wrangler warns about one (for example a
// block without [vars]), or when a named environment lacks a binding or var of the top level
// (wrangler inherits none), or when two deployed bindings share a rate-limit namespace, D1 database or KV
// namespace. CI runs it, so a broken environment block fails CI.
import { VARIABLE_NAMES } from '../src/config/variables';
import {
  ENVIRONMENT_OF_TOP_LEVEL,
  environmentGaps,
  environmentVarProblems,
  label,
  sharedResources,
  TOP_LEVEL,
} from './lib/environments';
import { nonInheritedFields, readWranglerConfig, runWrangler } from './lib/wrangler-config';

const config = readWranglerConfig();
const errors: string[] = [];

for (const gap of environmentGaps(config, nonInheritedFields(), VARIABLE_NAMES)) {
  const where = `env.${gap.env}: ${gap.field}`;
  if (gap.missing.length > 0) {
    errors.push(`${where} lacks ${gap.missing.join(', ')} (declared at the top level; wrangler does not inherit it)`);
  }
  if (gap.extra.length > 0) {
    console.warn(`build: ${where} ${gap.extra.join(', ')} only there (local development never exercises it)`);
  }
}
errors.push(...environmentVarProblems(config));
errors.push(...sharedResources(config));

for (const env of [TOP_LEVEL, ...Object.keys(config.env ?? {})]) {
  const outdir = `dist/${env === TOP_LEVEL ? ENVIRONMENT_OF_TOP_LEVEL : env}`;
  // `--env=` (empty) is wrangler's way to name the top level explicitly.
  const run = runWrangler(['deploy', '--dry-run', '--outdir', outdir, `--env=${env}`]);
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const size = /Total Upload: .*/.exec(output)?.[0] ?? 'no bundle';
  // Wrangler marks its warnings ▲ and its errors ✘ (coloured even without a TTY).
  const warnings = output.split('\n').filter((l) => l.includes('▲') || l.includes('✘'));
  if (run.status !== 0 || warnings.length > 0) {
    const outcome = run.status === 0 ? 'warned' : `exited ${run.status}`;
    errors.push(`${label(env)}: wrangler deploy --dry-run ${outcome}\n${output.trim()}`);
  }
  console.log(`build: ${label(env).padEnd(30)} ${size} → ${outdir}`);
}

if (errors.length > 0) {
  console.error(`\nbuild: FAILED\n- ${errors.join('\n- ')}`);
  process.exit(1);
}
console.log('build: every environment bundles');
