// Runs the real service with `wrangler dev` on 127.0.0.1 for drills: local D1/KV
// persisted to a temporary folder (so a restart keeps KV, as a new isolate would),
// migrations applied, configuration from a generated env file. Offline.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WRANGLER = join(process.cwd(), 'node_modules', '.bin', 'wrangler');

/** `vars`: configuration (secrets included) for the service. */
export function createServiceDir(vars) {
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-drill-'));
  const envFile = join(dir, 'drill.vars');
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${JSON.stringify(String(v))}`)
      .join('\n'),
  );
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove); // even when the drill dies
  const migrate = spawnSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], { env, encoding: 'utf8' });
  if (migrate.status !== 0) {
    remove();
    throw new Error(`migrations failed: ${migrate.stderr}`);
  }
  return { dir, envFile, env, remove };
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for wrangler dev to bind). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `wrangler dev`; resolves once /health answers. Returns `{ url, logs, stop() }`. */
export async function startService(serviceDir, { port }) {
  const child = spawn(
    WRANGLER,
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      serviceDir.dir,
      '--env-file',
      serviceDir.envFile,
      '--show-interactive-dev-session=false',
      // GET /__scheduled?cron=…&time=<ms> runs the cron handler with that controller.scheduledTime.
      '--test-scheduled',
      '--log-level',
      'log', // console.log (the service's info lines) is shown from level "log" up
    ],
    // Its own process group, so wrangler and the workerd it spawns are stopped together.
    { env: serviceDir.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {}
  };
  // If the drill dies (uncaught error, Ctrl-C), wrangler dev must not outlive it.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  const logs = [];
  const collect = (chunk) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(line);
    if (logs.length > 50_000) logs.splice(0, logs.length - 50_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${logs.slice(-20).join('\n')}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      killGroup('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      throw new Error(`wrangler dev did not start: ${logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    logs,
    stop: () =>
      new Promise((resolve) => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null) {
          killGroup('SIGKILL'); // a workerd left behind by an exited wrangler
          return resolve();
        }
        child.once('exit', () => {
          killGroup('SIGKILL');
          resolve();
        });
        killGroup('SIGTERM');
        setTimeout(() => killGroup('SIGKILL'), 5000).unref();
      }),
  };
}
