// `npm run drill`: every runbook row (full loads; records the results table in docs/RUNBOOK.md).
// `npm run drill -- --quick`: the CI-sized run. `npm run drill -- rotation`: the rows whose file name
// contains "rotation". Runs Vitest with drill/vitest.config.ts; the exit code is Vitest's.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rows = args.filter((a) => !a.startsWith('--'));
const record = !quick && rows.length === 0;
const env = { ...process.env, DRILL_QUICK: quick ? '1' : '0', DRILL_RECORD: record ? '1' : '0' };
const run = spawnSync(join('node_modules', '.bin', 'vitest'), ['run', '-c', 'drill/vitest.config.ts', ...rows], {
  stdio: 'inherit',
  env,
});
process.exit(run.status ?? 1);
