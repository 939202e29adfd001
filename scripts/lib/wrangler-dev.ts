// The one `wrangler dev` harness, shared by the drill and the browser test: the real service on
// 127.0.0.1, offline, its own process group (wrangler and the workerd it spawns stop together),
// local D1/KV in a folder that is either given (kept across restarts, as KV outlives an isolate)
// or a temporary one removed by `stop()`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type WranglerDevOptions = {
  /** `--persist-to`: local state kept by the caller (not removed by `stop()`). */
  persistTo?: string;
  /** `--env-file`: the service's configuration and secrets. */
  envFile?: string;
  /** The inspector's port (default port + 1000). */
  inspectorPort?: number;
  /** How long to wait for `GET /health` (default 90 s). */
  startTimeoutMs?: number;
};

export type WranglerDev = {
  url: string;
  /** Every output line so far (the service's JSON log lines among them), the last 50,000 kept. */
  logs: string[];
  output: () => string;
  stop: () => Promise<void>;
};

const WRANGLER = join(process.cwd(), 'node_modules', '.bin', 'wrangler');
const MAX_LINES = 50_000;

export const wranglerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  NO_COLOR: '1',
  CI: 'true',
});

/** Starts `wrangler dev` on 127.0.0.1:`port`; resolves once `/health` answers 200. */
export async function startWranglerDev(port: number, options: WranglerDevOptions = {}): Promise<WranglerDev> {
  const state = options.persistTo ?? mkdtempSync(join(tmpdir(), 'fulcrum-dev-'));
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(options.inspectorPort ?? port + 1000),
  ];
  args.push('--persist-to', state, '--show-interactive-dev-session=false');
  if (options.envFile) args.push('--env-file', options.envFile);
  // console.log (the service's info lines) is shown from level "log" up.
  args.push('--log-level', 'log');
  const child: ChildProcess = spawn(WRANGLER, args, {
    env: wranglerEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(line);
    if (logs.length > MAX_LINES) logs.splice(0, logs.length - MAX_LINES);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // If the caller dies (uncaught error, Ctrl-C), wrangler dev must not outlive it.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    killGroup('SIGKILL'); // a workerd left behind by an exited wrangler
    if (!options.persistTo) rmSync(state, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, logs, output: () => logs.join('\n'), stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not start on ${url}:\n${logs.slice(-20).join('\n')}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port on 127.0.0.1 that is free now, and whose inspector port (+1000) is too: concurrent runs on one
 * machine (several clones, CI, the drill beside the browser test) must not collide on a fixed port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port > 0 && port + 1000 <= 65_535 && (await isFree(port + 1000))) return port;
  }
  throw new Error('no free port pair (port, port + 1000) on 127.0.0.1');
}
