// D1 capacity under the data lifecycle (src/lifecycle/), measured against `wrangler dev` and the real webhook
// route: signed Clerk deliveries (Clerk's sample payloads with an email address), the service's and the cron's
// clocks moved instead of slept. Bytes are D1's own `meta.size_after`. The simulated scale is small (a few
// minutes on a busy 2-core machine); larger scales are arithmetic from the measured bytes per retained row
// (bench/lifecycle/arithmetic.ts), not simulations. Bounded: fixed counts, a timeout per request.
import os from 'node:os';
import {
  bytes,
  D1_CAP_BYTES,
  DAY_MS,
  DEFAULT_LIMITS,
  DEFAULT_WINDOWS,
  levelledOff,
  MONTH_DAYS,
  monthlyGrowth,
  projectBytes,
  retainedRows,
  rowsPerSecond,
  sessionsPerDay,
  type Traffic,
} from './lifecycle/arithmetic.ts';
import { measureBefore, measurePurge, measureSteady } from './lifecycle/phases.ts';
import type { FileStat } from './lifecycle/service.ts';
import type { Posted } from './lifecycle/traffic.ts';
import { fmt, median, quantile } from './support/stats.ts';

export const title = 'Lifecycle: D1 bytes per MAU, steady state under retention, purge cost';

const traffic: Traffic = { mau: Number(process.env.BENCH_LIFECYCLE_MAU ?? 300), sessionsPerMau: 3 };
const MONTHS = Number(process.env.BENCH_LIFECYCLE_MONTHS ?? 6);
const ROUNDS = Number(process.env.BENCH_LIFECYCLE_ROUNDS ?? 6);
const RATE = 25; // webhooks/s of the latency load
const WINDOW = 150; // webhooks per window
const SCALES = [10_000, 100_000, 1_000_000, 10_000_000];

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
const ok = (xs: readonly Posted[]) => xs.filter((x) => x.status === 200).length;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
function others(xs: readonly Posted[]): string {
  const counts: Record<string, number> = {};
  for (const x of xs) if (x.status !== 200) counts[x.status] = (counts[x.status] ?? 0) + 1;
  return Object.keys(counts).length ? JSON.stringify(counts) : 'none';
}
const ms = (xs: readonly Posted[], q: number) =>
  quantile(
    xs.map((x) => x.ms),
    q,
  );
const pct = (n: number) => `${(100 * n).toFixed(n < 0.01 ? 2 : 1)} %`;

/** The file's pages by table and index: bytes, unused bytes, per MAU, projected to 1M MAU. */
function whereBytes(file: FileStat | undefined, mau: number): string {
  if (!file) return '(the local file could not be read)';
  const at1M = (n: number) => bytes((n * 1_000_000) / mau);
  const rows = file.tables
    .filter((t) => t.bytes >= 8192)
    .map(
      (t) =>
        `| \`${t.name}\` | ${bytes(t.bytes)} | ${pct(t.unused / t.bytes)} | ${bytes(t.bytes / mau)} | ` +
        `${at1M(t.bytes)} | ${at1M(t.bytes - t.unused)} |`,
    );
  const used = file.tables.reduce((sum, t) => sum + t.bytes - t.unused, 0);
  return `| Table or index | bytes | unused on its pages | per MAU | at 1M MAU | at 1M MAU, pages packed |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}
| free pages (freelist) | ${bytes(file.freeBytes)} | | ${bytes(file.freeBytes / mau)} | ${at1M(file.freeBytes)} | |
| **file** | ${bytes(file.fileBytes)} | | ${bytes(file.fileBytes / mau)} | ${at1M(file.fileBytes)} | ${at1M(used)} |`;
}

export async function run(): Promise<string> {
  const loadBefore = load();
  const perDay = sessionsPerDay(traffic);
  const before = await measureBefore(traffic, perDay);
  let purge: Awaited<ReturnType<typeof measurePurge>>;
  try {
    purge = await measurePurge(before, traffic, { rounds: ROUNDS, rate: RATE, window: WINDOW });
  } finally {
    await before.service.close();
  }
  const steady = await measureSteady(traffic, perDay, MONTHS);
  const loadAfter = load();

  // Before: a month with nothing deleted.
  const perTenant = (before.afterUsersBytes - before.emptyBytes) / traffic.mau;
  const month = before.afterMonthBytes - before.afterUsersBytes;
  const perSession = month / before.sessions;
  const perMauMonth = month / traffic.mau;
  // Steady state: the last month's size, scaled by the rate.
  const last = steady.months.at(-1);
  const steadyBytes = last?.bytes ?? Number.NaN;
  const m = { emptyBytes: steady.emptyBytes, steadyBytes, mau: traffic.mau };
  const expected = retainedRows(traffic);
  const growth = monthlyGrowth(
    steady.emptyBytes,
    steady.months.map((x) => x.bytes),
  );

  // Purge: every cron run that moved rows, and the latency of the same paced load with and without one.
  const runs = purge.rounds.flatMap((r) => r.runs).filter((r) => r.rows > 0);
  const covered = purge.rounds.map((r) => r.runs.filter((x) => x.rows > 0).reduce((s, x) => s + x.ms, 0) / r.windowMs);
  const p99Ratios = purge.rounds.map((r) => ms(r.purge, 0.99) / ms(r.baseline, 0.99));
  const p50Ratios = purge.rounds.map((r) => ms(r.purge, 0.5) / ms(r.baseline, 0.5));
  const allPurge = purge.rounds.flatMap((r) => r.purge);
  const allBase = purge.rounds.flatMap((r) => r.baseline);
  const firstRows = sum(purge.first.map((r) => r.rows));
  const firstMs = sum(purge.first.map((r) => r.ms));

  return `
\`npm run bench -- lifecycle\` (\`--record\` to write this section). Load average (1, 5, 15 min): ${loadBefore} at the
start, ${loadAfter} at the end. Each phase runs its own \`wrangler dev\` (fresh local D1 and R2) on 127.0.0.1; every
webhook is a Clerk sample payload (test/fixtures/, an email address added as real payloads carry one), svix-signed,
POSTed to \`/api/webhooks/clerk\`. Traffic model: ${traffic.mau.toLocaleString('en')} MAU, ${traffic.sessionsPerMau}
sessions per MAU a month (${perDay} sessions a day), each session one \`session.created\` and one \`session.ended\`;
every user one \`user.created\`. Time is moved, never slept: the service's clock by \`POST /__test/clock\` (a day per
simulated day), the cron's by \`/cdn-cgi/local/scheduled?time=\` (once per simulated day, at its end; production
runs it every 10 minutes, and a simulated day's due rows are far below one run's budget). Bytes: D1's own
\`meta.size_after\` (the local SQLite file's size); where they are, by table and index: the file read with Node's
SQLite (\`dbstat\`, which D1's SQL refuses). Retention: the defaults
(payloads ${DEFAULT_WINDOWS.payloadDays} days, webhook records ${DEFAULT_WINDOWS.recordDays}, login audits in D1
${DEFAULT_WINDOWS.auditHotDays}, MAU rows ${DEFAULT_WINDOWS.dailyActiveDays}); at most ${DEFAULT_LIMITS.batchesPerRule} \
batches of ${DEFAULT_LIMITS.batchRows} rows per rule per cron run.

### Before: a month with nothing deleted (the first cron not run)

| Measure | Value |
|---|---:|
| empty migrated database | ${bytes(before.emptyBytes)} |
| per tenant (\`user.created\`, ${traffic.mau} users) | ${bytes(perTenant)} |
| per session (2 events, payloads kept, audit, MAU rows) | **${bytes(perSession)}** |
| per stored event | ${bytes(month / (2 * before.sessions))} |
| per MAU-month | **${bytes(perMauMonth)}** |
| webhook statuses | ${JSON.stringify(before.statuses)} |

Where the month's bytes are (no deletion yet):

${whereBytes(before.afterMonthFile, traffic.mau)}

Without retention D1 grows by ${bytes(perMauMonth * 1_000_000)} a month at 1M MAU: the 10 GB cap in \
${fmt((D1_CAP_BYTES / (perMauMonth * 1_000_000)) * MONTH_DAYS, 0)} days (at 100k MAU: \
${fmt(D1_CAP_BYTES / (perMauMonth * 100_000), 1)} months).

### Steady state with the default retention (${MONTHS} simulated months)

| Month | D1 size | growth in the month | free pages in the file | webhook records | with payload | login audits | MAU rows (daily_active_users) |
|---:|---:|---:|---:|---:|---:|---:|---:|
${steady.months
  .map(
    (x, i) =>
      `| ${x.month} | ${bytes(x.bytes)} | ${bytes(growth[i] ?? Number.NaN)} | ${bytes(x.file?.freeBytes ?? Number.NaN)} | ` +
      `${x.rows.webhook_events} | ${x.rows.payloads} | ${x.rows.login_audits} | ${x.rows.daily_active_users} |`,
  )
  .join('\n')}
| expected at steady state (window × rate) | | | | ${expected.webhookRecords} | ${expected.payloads} | \
${expected.loginAudits} | ${expected.dailyActive} |

Levelled off (the last 2 months grew ≤ 5 % of the size): **${levelledOff(steady.months.map((x) => x.bytes)) ? 'yes' : 'no'}**.
Cron runs that reported an error or a skip: ${steady.cronErrors}. Webhook statuses: ${JSON.stringify(steady.statuses)}.
Steady-state bytes: ${bytes(steadyBytes - steady.emptyBytes)} above the empty database, i.e. \
**${bytes((steadyBytes - steady.emptyBytes) / traffic.mau)} per MAU** held.

Where those bytes are at the last month (pages of each table and index, with the bytes left unused on them), per
MAU and at 1M MAU by arithmetic:

${whereBytes(last?.file, traffic.mau)}

Projected by arithmetic (steady-state bytes above the empty database × MAU / ${traffic.mau}; nothing was run at
these scales):

| MAU | D1 at steady state | of the 10 GB cap | without retention, after 12 months |
|---:|---:|---:|---:|
${SCALES.map((mau) => {
  const p = projectBytes(m, mau);
  return `| ${mau.toLocaleString('en')} | ${bytes(p)} | ${pct(p / D1_CAP_BYTES)} | ${bytes(perMauMonth * mau * 12)} |`;
}).join('\n')}

Goal at 1M MAU: ≤ 5 GB (50 % of the cap): **${projectBytes(m, 1_000_000) <= D1_CAP_BYTES / 2 ? 'met' : 'not met'}** \
(${bytes(projectBytes(m, 1_000_000))}).

### Purge throughput and webhook latency during a purge

First cron run(s) on the month above (${purge.backlogRows.toLocaleString('en')} audits and stored events due):
${purge.first.map((r) => `${r.archived} archived + ${r.deleted} deleted in ${fmt(r.ms, 0)} ms`).join('; ')} \
→ **${fmt(rowsPerSecond(firstRows, firstMs), 0)} rows/s**. The audits went to \
${purge.firstArchive.objects} R2 objects (${bytes(purge.firstArchive.bytes)} gzip-compressed NDJSON; one object per \
tenant per batch of ${DEFAULT_LIMITS.batchRows}).
Then ${ROUNDS} rounds, the order alternating: ${WINDOW} webhooks paced at ${RATE}/s (\`session.created\`, real
route) while cron runs drain a backlog back to back (re-seeded before each window with ${purge.copies} cop(y/ies) of
the month's audits and stored events under new ids), and the same load without a purge. Cron runs that moved rows
covered ${covered.map((c) => pct(c)).join(', ')} of each purge window.

| Measure | with a purge running | without | ratio (median of per-round ratios) |
|---|---:|---:|---:|
| webhook p50 (ms), all rounds | ${fmt(ms(allPurge, 0.5))} | ${fmt(ms(allBase, 0.5))} | ${fmt(median(p50Ratios), 2)}× |
| webhook p99 (ms), all rounds | ${fmt(ms(allPurge, 0.99))} | ${fmt(ms(allBase, 0.99))} | **${fmt(median(p99Ratios), 2)}×** (goal ≤ 1.5×) |
| per-round p99 ratios | ${p99Ratios.map((x) => fmt(x, 2)).join(', ')} | | |
| 200 responses | ${ok(allPurge)} / ${allPurge.length} | ${ok(allBase)} / ${allBase.length} | |
| other statuses | ${others(allPurge)} | ${others(allBase)} | |
| purge rows/s, all ${runs.length} runs that moved rows (rows / time) | \
${fmt(rowsPerSecond(sum(runs.map((r) => r.rows)), sum(runs.map((r) => r.ms))), 0)} | | |
| rows per cron run: min, median, max | ${Math.min(...runs.map((r) => r.rows))}, ${median(runs.map((r) => r.rows))}, \
${Math.max(...runs.map((r) => r.rows))} | | |

Locally the purge shares one workerd process (and 2 busy cores) with the webhook handler, and D1 is a local
SQLite file: the latency ratio is a pessimistic stand-in for production, where the contention is only D1's single
writer. The rows/s figure includes gzip compression and the R2 writes of the archived audits. Simulated day =
${DAY_MS / 3_600_000} h of the service's clock.
`;
}
