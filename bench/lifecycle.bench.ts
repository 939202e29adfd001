// D1 capacity under the data lifecycle (src/lifecycle/), measured against `wrangler dev` and the real webhook
// route: signed Clerk deliveries (Clerk's sample payloads with an email address), the service's and the cron's
// clocks moved instead of slept. Bytes are D1's own `meta.size_after`. The simulated scale is small (a few
// minutes on a busy 2-core machine); larger scales are arithmetic from the measured bytes per retained row
// (bench/lifecycle/arithmetic.ts), not simulations. Bounded: fixed counts, a timeout per request.
import os from 'node:os';
import {
  bytes,
  D1_CAP_BYTES,
  DEFAULT_LIMITS,
  DEFAULT_WINDOWS,
  levelledOff,
  MONTH_DAYS,
  monthlyGrowth,
  projectBytes,
  retainedRows,
  sessionsPerDay,
  type Traffic,
} from './lifecycle/arithmetic.ts';
import { measureBefore, measurePurge, measureSteady } from './lifecycle/phases.ts';
import { purgeSection } from './lifecycle/purge-section.ts';
import type { FileStat } from './lifecycle/service.ts';
import { fmt } from './support/stats.ts';

export const title = 'Lifecycle: D1 bytes per MAU, steady state under retention, purge cost';

const traffic: Traffic = { mau: Number(process.env.BENCH_LIFECYCLE_MAU ?? 300), sessionsPerMau: 3 };
const MONTHS = Number(process.env.BENCH_LIFECYCLE_MONTHS ?? 6);
const ROUNDS = Number(process.env.BENCH_LIFECYCLE_ROUNDS ?? 6);
const RATE = 25; // webhooks/s of the latency load
// Webhooks per window: a window's p99 is its 6th-slowest request (at 150 it was the 2nd, and one stall of the
// local process, purge or not, moved a round's ratio from 0.6× to 3×).
const WINDOW = Number(process.env.BENCH_LIFECYCLE_WINDOW ?? 600);
const SCALES = [10_000, 100_000, 1_000_000, 10_000_000];
/** `purge`: only the month and the purge phase (to iterate on the cron's pacing); the section is then partial. */
const ONLY = process.env.BENCH_LIFECYCLE_ONLY;

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
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
  if (ONLY === 'purge')
    return `BENCH_LIFECYCLE_ONLY=purge: the purge phase alone (load average ${loadBefore} at the start, ${load()} at
the end; ${traffic.mau} MAU, a month of sessions). Not a whole section: do not record it.

${purgeSection(purge, { rounds: ROUNDS, rate: RATE, window: WINDOW })}`;
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
${DEFAULT_WINDOWS.auditHotDays}, MAU rows ${DEFAULT_WINDOWS.dailyActiveDays}); batches of ${DEFAULT_LIMITS.batchRows} rows (${DEFAULT_LIMITS.archiveRows} per archive batch), \
the rules in turns, each batch followed by a pause of ${DEFAULT_LIMITS.pauseRatio}× its duration, within \
${DEFAULT_LIMITS.budgetMs / 1000} s per cron run (at most ${DEFAULT_LIMITS.batchesPerRule} batches per rule).

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

${purgeSection(purge, { rounds: ROUNDS, rate: RATE, window: WINDOW })}
`;
}
