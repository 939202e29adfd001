// The service under the lifecycle bench: `wrangler dev` (scripts/lib/wrangler-dev.ts, the drill's harness) on
// 127.0.0.1 with its local D1/R2 in a temporary folder, read through wrangler's platform proxy on the same folder.
// The clock is moved, never slept: the service's clock by `POST /__test/clock` (ENVIRONMENT is "development" in
// wrangler.toml; TEST_CLOCK_TOKEN set here), the cron's by `GET /cdn-cgi/local/scheduled?time=`. No
// CLERK_SECRET_KEY: reconciliation (which would call Clerk) is skipped; the webhook route needs only its secret.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { getPlatformProxy } from 'wrangler';
import { applyMigrations, type D1Like } from '../../scripts/lib/migrations.ts';
import { freePort, startWranglerDev } from '../../scripts/lib/wrangler-dev.ts';

export const WEBHOOK_SECRET = 'whsec_YmVuY2gtbGlmZWN5Y2xlLXNpZ25pbmctc2VjcmV0';
export const CRON = '*/10 * * * *';

/** The R2 binding's listing, as the platform proxy gives it. */
type ArchiveLike = {
  list(o: { prefix?: string; cursor?: string; limit?: number }): Promise<{
    objects: { key: string; size: number }[];
    truncated: boolean;
    cursor?: string;
  }>;
};

export type LifecycleStatus = { lastRunAt: number; archived: number; deleted: number; pending: number; error?: string };
type ReadyLifecycle = Omit<LifecycleStatus, 'lastRunAt'> & { lastRunAt: string | null; lastError: string | null };

/**
 * The proxy's workerd and the service's share one SQLite file: a read that meets the service's write lock
 * (SQLITE_BUSY, surfaced as "database is locked" or a failed commit token) is retried, never counted.
 */
async function retryBusy<T>(f: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      if (attempt >= 50 || !/locked|SQLITE_BUSY|commit token/i.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

/** Pages of one table or index: bytes on its pages, and bytes of those pages left unused. */
export type TableBytes = { name: string; bytes: number; unused: number };
/** The local database file, read: its pages in use and free, and each table's and index's pages. */
export type FileStat = { fileBytes: number; freeBytes: number; tables: TableBytes[] };

/**
 * Reads the local D1 file (SQLite) with Node's own SQLite, read-only, beside the running service: pages in use and
 * free (`freelist_count`) and `dbstat`'s bytes per table and index, which D1's SQL refuses (`SQLITE_AUTH`).
 */
function readFileStat(dir: string): FileStat | undefined {
  const folder = join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(folder).find((f) => f.endsWith('.sqlite'));
  if (!file) return undefined;
  const db = new DatabaseSync(join(folder, file), { readOnly: true });
  try {
    const one = (sql: string) => Number(Object.values(db.prepare(sql).get() ?? {})[0] ?? 0);
    const pageSize = one('pragma page_size');
    const tables = db
      .prepare('select name, sum(pgsize) as bytes, sum(unused) as unused from dbstat group by name order by 2 desc')
      .all() as TableBytes[];
    return {
      fileBytes: one('pragma page_count') * pageSize,
      freeBytes: one('pragma freelist_count') * pageSize,
      tables: tables.map((t) => ({ name: t.name, bytes: Number(t.bytes), unused: Number(t.unused) })),
    };
  } finally {
    db.close();
  }
}

export type BenchService = Awaited<ReturnType<typeof startService>>;

/** A fresh service (empty, migrated D1); `close()` stops it and removes its state. */
export async function startService() {
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-lifecycle-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const proxy = await getPlatformProxy<{ DB: D1Like; ARCHIVE: ArchiveLike }>({
    configPath: 'wrangler.toml',
    persist: { path: join(dir, 'v3') },
    envFiles: [],
  });
  const d1 = proxy.env.DB;
  await applyMigrations(d1);
  const clockToken = randomBytes(16).toString('hex');
  const envFile = join(dir, 'bench.vars');
  writeFileSync(envFile, `CLERK_WEBHOOK_SIGNING_SECRET='${WEBHOOK_SECRET}'\nTEST_CLOCK_TOKEN='${clockToken}'\n`);
  const dev = await startWranglerDev(await freePort(), { persistTo: dir, envFile });

  return {
    url: dev.url,
    d1,
    /** One statement through the proxy (retried while the service holds the write lock). */
    sql: (query: string) => retryBusy(() => d1.prepare(query).run()),
    first: (query: string) => retryBusy(() => d1.prepare(query).first()),
    /** Moves the service's clock forward (at most a day per call, as the route allows). */
    async advanceClock(ms: number): Promise<void> {
      for (let left = ms; left > 0; left -= 86_400_000) {
        const res = await fetch(`${dev.url}/__test/clock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-test-clock-token': clockToken },
          body: JSON.stringify({ advanceMs: Math.min(left, 86_400_000) }),
        });
        if (res.status !== 200) throw new Error(`test clock refused: ${res.status} ${await res.text()}`);
      }
    },
    /** One cron run at `time` (its scheduledTime); resolves when the run (its waitUntil) is over. */
    async cron(time: number): Promise<void> {
      const res = await fetch(`${dev.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(CRON)}&time=${time}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`scheduled: ${res.status}`);
    },
    /**
     * The lifecycle job's last run as the operator sees it (`/health/ready` `checks.storage.lifecycle`), read
     * through the service rather than the proxy, so no second process touches the file during a load window.
     */
    async lifecycleStatus(): Promise<LifecycleStatus | undefined> {
      const res = await fetch(`${dev.url}/health/ready`, { signal: AbortSignal.timeout(30_000) });
      const body = (await res.json()) as { checks?: { storage?: { lifecycle?: ReadyLifecycle } } };
      const l = body.checks?.storage?.lifecycle;
      if (!l?.lastRunAt) return undefined;
      return { ...l, lastRunAt: Date.parse(l.lastRunAt), ...(l.lastError ? { error: l.lastError } : {}) };
    },
    /** D1's own figure for the database size (`meta.size_after` of a query). */
    async sizeBytes(): Promise<number> {
      const res = (await retryBusy(() => d1.prepare('select 1').run())) as { meta?: { size_after?: number } };
      return Number(res.meta?.size_after ?? Number.NaN);
    },
    /** The file's pages by table and index (undefined when the file cannot be read). */
    fileStat: () => retryBusy(async () => readFileStat(dir)),
    async count(table: string): Promise<number> {
      const row = await retryBusy(() => d1.prepare(`select count(*) as n from ${table}`).first());
      return Number(row?.n ?? 0);
    },
    /** Objects in ARCHIVE under `prefix` and their total size (compressed bytes). */
    async archive(prefix: string): Promise<{ objects: number; bytes: number }> {
      let cursor: string | undefined;
      const total = { objects: 0, bytes: 0 };
      do {
        const page = await retryBusy(() =>
          proxy.env.ARCHIVE.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) }),
        );
        total.objects += page.objects.length;
        for (const o of page.objects) total.bytes += o.size;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return total;
    },
    async close(): Promise<void> {
      // BENCH_LIFECYCLE_LOGS=<file>: the service's log lines are appended there (to see what a cron run did).
      const logs = process.env.BENCH_LIFECYCLE_LOGS;
      if (logs) writeFileSync(logs, `${dev.output()}\n`, { flag: 'a' });
      await dev.stop();
      await proxy.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
