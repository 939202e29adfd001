// The service under drill: `wrangler dev` (scripts/lib/wrangler-dev.ts) with its local D1/KV in a
// temporary folder kept across restarts (a restart is a new isolate with the same KV), configured for
// the fake Clerk. The drill reads and faults D1 through wrangler's platform proxy on the same folder
// (a supported API, a D1 binding like the service's), never through Miniflare's storage files.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getPlatformProxy } from 'wrangler';
import { applyMigrations, type D1Like } from '../../scripts/lib/migrations.ts';
import { freePort, startWranglerDev, type WranglerDev } from '../../scripts/lib/wrangler-dev.ts';
import type { FakeClerk } from './fake-clerk.ts';

export const WEBHOOK_SECRET = 'whsec_ZHJpbGwtd2ViaG9vay1zaWduaW5nLXNlY3JldA==';
export const ADMIN = 'user_drill_admin';

export type Reply = { status: number; headers: Headers; body: any };

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  try {
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  } catch {
    return { status: res.status, headers: res.headers, body: text };
  }
}

export type DrillService = ReturnType<typeof createDrillService>;

/** One row's service: `boot({ fresh })` (re)starts it; `close()` stops it and removes its state. */
export function createDrillService(clerk: FakeClerk) {
  // Enables the service's test clock (POST /__test/clock; ENVIRONMENT is "development" in wrangler.toml).
  const clockToken = randomBytes(16).toString('hex');
  let state: { dir: string; envFile: string; d1: D1Like; dispose: () => Promise<void> } | undefined;
  let dev: WranglerDev | undefined;

  async function freshState() {
    const dir = mkdtempSync(join(tmpdir(), 'fulcrum-drill-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // even when the drill dies
    const envFile = join(dir, 'drill.vars');
    // `wrangler dev --persist-to dir` keeps its state in dir/v3; the platform proxy takes that folder itself.
    const proxy = await getPlatformProxy<{ DB: D1Like }>({
      configPath: 'wrangler.toml',
      persist: { path: join(dir, 'v3') },
      envFiles: [],
    });
    await applyMigrations(proxy.env.DB);
    return { dir, envFile, d1: proxy.env.DB, dispose: () => proxy.dispose() };
  }

  async function removeState() {
    if (!state) return;
    await state.dispose();
    rmSync(state.dir, { recursive: true, force: true });
    state = undefined;
  }

  /**
   * The service's configuration for one boot: the fake Clerk's, plus `vars` (e.g. the gateway's). dotenv
   * syntax: single quotes keep a JSON value literal; a value with a newline (a PEM) goes in double quotes.
   */
  function writeVars(envFile: string, extra: Record<string, string>) {
    const vars: Record<string, string> = {
      CLERK_SECRET_KEY: clerk.secretKey,
      CLERK_WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
      CLERK_API_URL: clerk.url,
      ADMIN_USER_IDS: ADMIN,
      TEST_CLOCK_TOKEN: clockToken,
      ...extra,
    };
    const line = ([k, v]: [string, string]) => {
      if (v.includes("'") && v.includes('\n')) throw new Error(`drill var ${k}: cannot hold both ' and a newline`);
      return v.includes('\n') || v.includes("'") ? `${k}=${JSON.stringify(v)}` : `${k}='${v}'`;
    };
    writeFileSync(envFile, Object.entries(vars).map(line).join('\n'));
  }

  const current = () => {
    if (!dev || !state) throw new Error('service not booted');
    return { dev, state };
  };

  const service = {
    /**
     * (Re)starts wrangler dev: new isolates; the same local D1/KV unless `fresh`. `vars` are this boot's
     * extra configuration (GATEWAY_ROUTES, ORIGIN_URL, EDGE_SIGNING_KEY…): a restart without them drops them.
     */
    async boot({ fresh = false, vars = {} }: { fresh?: boolean; vars?: Record<string, string> } = {}) {
      await dev?.stop();
      dev = undefined;
      if (fresh || !state) {
        await removeState();
        state = await freshState();
      }
      writeVars(state.envFile, vars);
      const port = Number(process.env.DRILL_PORT) || (await freePort());
      dev = await startWranglerDev(port, { persistTo: state.dir, envFile: state.envFile });
    },
    get url() {
      return current().dev.url;
    },
    /** The service's output lines (its JSON log lines among them) since the last boot. */
    get logs() {
      return current().dev.logs;
    },
    async get(path: string, token?: string, headers: Record<string, string> = {}): Promise<Reply> {
      const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      return reply(await fetch(`${service.url}${path}`, { headers: { ...auth, ...headers } }));
    },
    async post(path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
      return reply(
        await fetch(`${service.url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) }),
      );
    },
    /**
     * Moves the service's clock (its caches, cooldowns and token checks; not the rate limiters, which
     * are the simulator's) forward by `ms`, instead of sleeping: until the next boot, which starts at 0.
     */
    async advanceClock(ms: number): Promise<void> {
      const res = await fetch(`${service.url}/__test/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-clock-token': clockToken },
        body: JSON.stringify({ advanceMs: ms }),
      });
      if (res.status !== 200) throw new Error(`test clock refused: ${res.status} ${await res.text()}`);
    },
    /**
     * Runs the cron handler with `controller.scheduledTime = time`: Miniflare's trigger endpoint, which
     * wrangler dev serves (its `/__scheduled` ignores a time). The drill moves the cron's clock, not the wall's.
     */
    async scheduled(cron: string, time: number): Promise<number> {
      const res = await fetch(`${service.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}&time=${time}`);
      await res.arrayBuffer();
      return res.status;
    },
    /** The local D1 the service uses (a binding through wrangler's platform proxy). */
    get d1() {
      return current().state.d1;
    },
    async d1Value(sql: string, ...params: unknown[]): Promise<unknown> {
      const row = await service.d1
        .prepare(sql)
        .bind(...params)
        .first();
      return row ? Object.values(row)[0] : undefined;
    },
    async d1Count(sql: string, ...params: unknown[]): Promise<number> {
      return Number(await service.d1Value(sql, ...params));
    },
    /**
     * The operator's fault injector: triggers (from outside the service, as a broken migration would)
     * that abort every insert and update of `tables`. Returns a function that drops them.
     */
    async failWrites(tables: readonly string[]): Promise<() => Promise<void>> {
      const names: string[] = [];
      for (const table of tables) {
        for (const op of ['INSERT', 'UPDATE']) {
          const name = `drill_fault_${table}_${op.toLowerCase()}`;
          await service.d1
            .prepare(`CREATE TRIGGER ${name} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'drill fault'); END`)
            .run();
          names.push(name);
        }
      }
      return async () => {
        for (const name of names) await service.d1.prepare(`DROP TRIGGER ${name}`).run();
      };
    },
    /**
     * A second `wrangler dev` on the same persisted state (its D1, KV and Durable Objects) and configuration:
     * other isolates of the same service, as another colo would run them. Stopped by its `stop()`.
     */
    async peer(): Promise<WranglerDev> {
      const { state } = current();
      return startWranglerDev(await freePort(), { persistTo: state.dir, envFile: state.envFile });
    },
    async close() {
      await dev?.stop();
      dev = undefined;
      await removeState();
    },
  };
  return service;
}
