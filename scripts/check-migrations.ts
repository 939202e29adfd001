// Fails when src/db/schema.ts and migrations/ drift apart: drizzle-kit generates
// into a scratch copy of migrations/ and must find nothing to do.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'migrations-'));
try {
  cpSync('migrations', scratch, { recursive: true });
  const before = readdirSync(scratch).length;
  execFileSync(
    'npx',
    ['drizzle-kit', 'generate', '--dialect', 'sqlite', '--schema', './src/db/schema.ts', '--out', scratch],
    {
      stdio: 'pipe',
    },
  );
  const after = readdirSync(scratch).length;
  if (after !== before) {
    console.error('check-migrations: src/db/schema.ts has changes with no migration. Run `npm run db:generate`.');
    process.exit(1);
  }
  console.log('check-migrations: schema and migrations agree');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
