// `npm run build`: bundles EVERY wrangler.toml environment (`wrangler deploy --dry-run`, one
// dist/<env>/ each) and fails when one does not build, when wrangler warns about one (for example a
// block without [vars]), or when a named environment lacks a binding or var of the top level
// (wrangler inherits none), or when two deployed bindings share a rate-limit namespace, D1 database or KV
// namespace. CI runs it, so a broken environment block fails CI. It reports the Worker's bundle (wrangler's own
// figures) and the static assets (public/, uploaded beside the Worker) apart, and fails when the Worker's bundle
// passes WORKER_GZIP_BUDGET_KIB gzip.
import { VARIABLE_NAMES } from '../src/config/variables';
import { assetSizes, kib, uploadSize, WORKER_GZIP_BUDGET_KIB } from './lib/bundle-size';
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
  const size = uploadSize(output);
  // Wrangler marks its warnings ▲ and its errors ✘ (coloured even without a TTY).
  const warnings = output.split('\n').filter((l) => l.includes('▲') || l.includes('✘'));
  if (run.status !== 0 || warnings.length > 0) {
    const outcome = run.status === 0 ? 'warned' : `exited ${run.status}`;
    errors.push(`${label(env)}: wrangler deploy --dry-run ${outcome}\n${output.trim()}`);
  }
  if (size && size.gzipKib > WORKER_GZIP_BUDGET_KIB) {
    errors.push(`${label(env)}: the Worker is ${size.gzipKib} KiB gzip, over its ${WORKER_GZIP_BUDGET_KIB} KiB budget`);
  }
  const figures = size ? `Worker ${size.kib} KiB / gzip ${size.gzipKib} KiB` : 'no bundle';
  console.log(`build: ${label(env).padEnd(30)} ${figures} (budget ${WORKER_GZIP_BUDGET_KIB} KiB gzip) → ${outdir}`);
}

// [assets] is inherited by every environment: one directory, reported once.
const assetsDir = (config as { assets?: { directory?: string } }).assets?.directory;
if (assetsDir) {
  for (const [group, size] of [...assetSizes(assetsDir)].sort(([a], [b]) => a.localeCompare(b))) {
    const what = `static assets ${assetsDir}/${group}`;
    console.log(`build: ${what.padEnd(38)} ${size.files} file(s), ${kib(size.bytes)} / gzip ${kib(size.gzipBytes)}`);
  }
  console.log('build: static assets are uploaded beside the Worker, not in its bundle');
}

if (errors.length > 0) {
  console.error(`\nbuild: FAILED\n- ${errors.join('\n- ')}`);
  process.exit(1);
}
console.log('build: every environment bundles');
