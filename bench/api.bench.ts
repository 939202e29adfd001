// `npm run bench -- api`: login-audit pagination (keyset vs OFFSET) and the usage meter on a
// D1 (wrangler's local D1 through getPlatformProxy, real migrations) seeded directly with
// 1,000,000 login audits and 100,000 users. Times go through the same query functions the
// Worker uses (src/tenants/login-audit-store.ts, src/admin/usage-store.ts, loaded with tsx).
// Bounded: fixed repetitions, then stops.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { tsImport } from 'tsx/esm/api';
import { getPlatformProxy } from 'wrangler';
import { type D1Like, readMigrations } from '../scripts/lib/migrations.ts';
import { median } from './support/stats.ts';

export const title = 'API: audit pagination and usage at 1M audits';

const AUDITS = 1_000_000;
const USERS = 100_000;
const BIG_TENANT_ROWS = 200_000; // one tenant large enough for page 2,000
const PAGE = 20;
const FAR_PAGE = 2_000;
const REPS = 25;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 26, 12);

async function time(fn: () => unknown, reps = REPS) {
  await fn(); // warm
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return median(out);
}
const ms = (x: number) => `${x < 1 ? x.toFixed(3) : x.toFixed(2)} ms`;

const ratio = (x: number, base: number) => `${(x / base).toFixed(2)}×`;

/** 1M rows with recursive CTEs, 100k rows per statement (no bound parameters at all). */
async function seed(exec: (sql: string) => unknown) {
  const span = 60 * DAY;
  for (let start = 0; start < AUDITS; start += 100_000) {
    await exec(
      `with recursive n(i) as (select ${start} union all select i + 1 from n where i < ${start + 99_999})
         insert into login_audits
           (session_id, tenant_id, user_id, status, ip, user_agent, created_at, ended_at, last_event_at)
         select printf('sess_%08d', i),
                case when i < ${BIG_TENANT_ROWS} then 'org_big' else printf('user_%06d', i % ${USERS}) end,
                printf('user_%06d', i % ${USERS}),
                case i % 3 when 0 then 'ended' when 1 then 'active' else 'revoked' end,
                '203.0.113.7', 'bench',
                ${NOW} - ((i * 7919) % ${span}),
                null, 0
         from n`,
    );
  }
  // The rollup the webhooks module keeps current, derived once here.
  await exec(
    `insert or ignore into daily_active_users (day, user_id)
     select strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), user_id from login_audits`,
  );
  await exec('analyze');
}

/** p50 of the SQLite engine alone (node:sqlite, in process, µs resolution) for one statement. */
function engineTime(sqlite: DatabaseSync, sql: string, values: unknown[], reps = REPS) {
  const stmt = sqlite.prepare(sql);
  const params = values as SQLInputValue[];
  stmt.all(...params);
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    stmt.all(...params);
    out.push(performance.now() - t);
  }
  return median(out);
}

export async function run() {
  const persist = new URL('../.bench-tmp/api', import.meta.url).pathname;
  rmSync(persist, { recursive: true, force: true });
  const proxy = await getPlatformProxy<{ DB: D1Like }>({
    configPath: new URL('../wrangler.toml', import.meta.url).pathname,
    persist: { path: persist },
  });
  try {
    const d1 = proxy.env.DB;
    const { drizzle } = await import('drizzle-orm/d1');
    const { and, desc, eq } = await import('drizzle-orm');
    const schema = await tsImport('../src/db/schema.ts', import.meta.url);
    const { listLoginAudits } = await tsImport('../src/tenants/login-audit-store.ts', import.meta.url);
    const { getUsage } = await tsImport('../src/admin/usage-store.ts', import.meta.url);
    const db = drizzle(d1, { schema });

    const statements = (await readMigrations()).flatMap((m) => m.queries);
    for (const stmt of statements) await d1.prepare(stmt).run();
    const t0 = performance.now();
    await seed((sql: string) => d1.prepare(sql).run());
    const seedMs = performance.now() - t0;
    const counts = await d1
      .prepare(
        'select (select count(*) from login_audits) a, (select count(distinct user_id) from login_audits) u, ' +
          '(select count(*) from daily_active_users) r',
      )
      .first<{ a: number; u: number; r: number }>();
    if (!counts) throw new Error('no counts');

    const tenantId = 'org_big';
    // Position at the end of page FAR_PAGE-1, found once (untimed), as a client's cursor would carry it.
    const before = await d1
      .prepare(
        'select created_at, session_id from login_audits where tenant_id = ? ' +
          'order by created_at desc, session_id desc limit 1 offset ?',
      )
      .bind(tenantId, (FAR_PAGE - 1) * PAGE - 1)
      .first<{ created_at: number; session_id: string }>();
    if (!before) throw new Error('no row at the far page');
    const after = { createdAt: before.created_at, sessionId: before.session_id };
    const offsetPage = (page: number) =>
      db
        .select()
        .from(schema.loginAudits)
        .where(and(eq(schema.loginAudits.tenantId, tenantId)))
        .orderBy(desc(schema.loginAudits.createdAt), desc(schema.loginAudits.sessionId))
        .limit(PAGE)
        .offset((page - 1) * PAGE);

    // Same rows either way: the benchmark compares equal work.
    const viaKeyset = (await listLoginAudits(db, { tenantId, limit: PAGE, after })).rows.map(
      (r: { sessionId: string }) => r.sessionId,
    );
    const viaOffset = (await offsetPage(FAR_PAGE)).map((r) => r.sessionId);
    if (JSON.stringify(viaKeyset) !== JSON.stringify(viaOffset))
      throw new Error('keyset and OFFSET disagree on page 2,000');

    const keyset1 = await time(() => listLoginAudits(db, { tenantId, limit: PAGE }));
    const keysetFar = await time(() => listLoginAudits(db, { tenantId, limit: PAGE, after }));
    const offset1 = await time(() => offsetPage(1));
    const offsetFar = await time(() => offsetPage(FAR_PAGE), 10);
    const filtered = await time(() =>
      listLoginAudits(db, { tenantId, limit: PAGE, after, status: 'ended', from: NOW - 30 * DAY }),
    );

    // The same statements, timed inside D1 (meta.duration), without the Node ↔ workerd hop.
    const baseSql = db
      .select()
      .from(schema.loginAudits)
      .where(eq(schema.loginAudits.tenantId, tenantId))
      .orderBy(desc(schema.loginAudits.createdAt), desc(schema.loginAudits.sessionId))
      .limit(PAGE + 1)
      .toSQL();
    // The keyset predicate as listLoginAudits builds it (row value comparison).
    const keysetFarSql = baseSql.sql.replace(
      ' order by',
      ' and ("login_audits"."created_at", "login_audits"."session_id") < (?, ?) order by',
    );
    const offsetSql = offsetPage(FAR_PAGE).toSQL();
    // The same SQL text on the same schema in node:sqlite: the engine's cost without D1's transport.
    const sqlite = new DatabaseSync(':memory:');
    for (const stmt of statements) sqlite.exec(stmt);
    await seed((q: string) => sqlite.exec(q));
    const o1 = offsetPage(1).toSQL();
    const sql = {
      keyset1: engineTime(sqlite, baseSql.sql, baseSql.params),
      keysetFar: engineTime(sqlite, keysetFarSql, [
        baseSql.params[0],
        after.createdAt,
        after.sessionId,
        ...baseSql.params.slice(1),
      ]),
      offset1: engineTime(sqlite, o1.sql, o1.params),
      offsetFar: engineTime(sqlite, offsetSql.sql, offsetSql.params),
    };
    const window = ['2026-10-28', '2026-11-26'];
    // What getUsage runs: an index range count on the trigger-maintained rollups (migration 0003).
    const engineMau = engineTime(
      sqlite,
      'select count(*) as mau from user_last_active where last_day between ? and ?',
      window,
      5,
    );
    const engineDaily = engineTime(
      sqlite,
      'select day, users from daily_active_counts where day between ? and ? order by day',
      window,
      5,
    );
    // Baselines: distinct users over the window's (day, user) rows, and a scan of login_audits.
    const engineWindow = engineTime(
      sqlite,
      'select count(distinct user_id) as mau from daily_active_users where day between ? and ?',
      window,
      5,
    );
    const engineWindowDaily = engineTime(
      sqlite,
      'select day, count(*) from daily_active_users where day between ? and ? group by day',
      window,
      5,
    );
    const engineScan = engineTime(
      sqlite,
      'select count(distinct user_id) as mau from login_audits where created_at >= ?',
      [NOW - 30 * DAY],
      5,
    );
    sqlite.close();

    const usageMs = await time(() => getUsage(db, { now: NOW }), 10);
    const usage = await getUsage(db, { now: NOW });
    const fullScanMs = await time(
      () =>
        d1
          .prepare('select count(distinct user_id) as mau from login_audits where created_at >= ?')
          .bind(NOW - 30 * DAY)
          .first(),
      5,
    );
    const roundTrip = await time(() => d1.prepare('select 1').first());

    const plan = await d1
      .prepare(`explain query plan ${keysetFarSql}`)
      .bind(baseSql.params[0], after.createdAt, after.sessionId, ...baseSql.params.slice(1))
      .all<{ detail: string }>();
    const usagePlan = await d1
      .prepare('explain query plan select count(*) as mau from user_last_active where last_day between ? and ?')
      .bind('2026-10-28', '2026-11-26')
      .all<{ detail: string }>();

    return `
Seeded ${counts.a.toLocaleString('en')} login audits (${counts.u.toLocaleString('en')} users, one tenant with \
${BIG_TENANT_ROWS.toLocaleString('en')}) and a
${counts.r.toLocaleString('en')}-row \`daily_active_users\` rollup in ${(seedMs / 1000).toFixed(1)} s (recursive CTEs, \
real migrations).
Each query goes Node → wrangler's local D1 (workerd) and back; a bare \`select 1\` round trip costs ${ms(roundTrip)} \
(p50), included below.

| \`GET /v1/audit/logins\` query (limit ${PAGE}) | p50 end to end | vs keyset page 1 | p50 SQLite engine only \
(node:sqlite) | vs keyset page 1 |
|---|---|---|---|---|
| keyset, page 1 | ${ms(keyset1)} | 1.00× | ${ms(sql.keyset1)} | 1.00× |
| keyset, page ${FAR_PAGE.toLocaleString('en')} | ${ms(keysetFar)} | **${(keysetFar / keyset1).toFixed(2)}×** (goal ≤ \
1.5×) | ${ms(sql.keysetFar)} | ${ratio(sql.keysetFar, sql.keyset1)} |
| keyset, page ${FAR_PAGE.toLocaleString('en')}, \`status\` + \`from\` filters | ${ms(filtered)} | \
${(filtered / keyset1).toFixed(2)}× | | |
| OFFSET, page 1 | ${ms(offset1)} | ${(offset1 / keyset1).toFixed(2)}× | ${ms(sql.offset1)} | \
${ratio(sql.offset1, sql.keyset1)} |
| OFFSET, page ${FAR_PAGE.toLocaleString('en')} | ${ms(offsetFar)} | ${(offsetFar / keyset1).toFixed(2)}× | \
${ms(sql.offsetFar)} | ${ratio(sql.offsetFar, sql.keyset1)} |

End to end = the real query function through drizzle and wrangler's local D1 (dominated by the Node ↔ workerd hop).
Engine only = the same SQL text drizzle generates, on the same migrated schema and data, timed in process.

| \`GET /v1/admin/usage\` (${counts.a.toLocaleString('en')} audits, ${counts.u.toLocaleString('en')} users) | p50 | |
|---|---|---|
| \`getUsage\` (mau ${usage.mau.toLocaleString('en')}, ${usage.dailyActive.length} days), end to end | ${ms(usageMs)} \
| 1.00× |
| baseline: \`count(distinct user_id)\` scanning \`login_audits\`, end to end | ${ms(fullScanMs)} | \
${(fullScanMs / usageMs).toFixed(1)}× |
| MAU: index range count on \`user_last_active(last_day)\`, engine only | ${ms(engineMau)} | 1.00× |
| \`dailyActive\`: 30 rows of \`daily_active_counts\`, engine only | ${ms(engineDaily)} | |
| previous design: distinct users over the window's \`daily_active_users\` rows, engine only | ${ms(engineWindow)} | \
${ratio(engineWindow, engineMau)} |
| previous design: per-day \`group by\` over \`daily_active_users\`, engine only | ${ms(engineWindowDaily)} | |
| baseline scan of \`login_audits\`, engine only | ${ms(engineScan)} | ${ratio(engineScan, engineMau)} |

Both rollups are kept exact by an AFTER INSERT trigger on \`daily_active_users\` (written on \`session.created\`);
a property test checks them against a brute-force count.

\`EXPLAIN QUERY PLAN\` of the keyset page query:
\`\`\`
${plan.results.map((r) => r.detail).join('\n')}
\`\`\`
and of the MAU count:
\`\`\`
${usagePlan.results.map((r) => r.detail).join('\n')}
\`\`\`
`;
  } finally {
    await proxy.dispose();
    rmSync(persist, { recursive: true, force: true });
  }
}
