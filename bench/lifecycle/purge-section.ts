// The lifecycle bench's purge section: the first cron runs' throughput, and webhook latency with and without a
// purge running (bench/lifecycle/phases.ts measurePurge). Its own module so that the purge phase can run alone
// (BENCH_LIFECYCLE_ONLY=purge) while the pacing is tuned.
import { fmt, median, quantile } from '../support/stats.ts';
import { bytes, DAY_MS, DEFAULT_LIMITS, rowsPerSecond } from './arithmetic.ts';
import type { Purge } from './phases.ts';
import type { Posted } from './traffic.ts';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const ok = (xs: readonly Posted[]) => xs.filter((x) => x.status === 200).length;
const ms = (xs: readonly Posted[], q: number) =>
  quantile(
    xs.map((x) => x.ms),
    q,
  );
const pct = (n: number) => `${(100 * n).toFixed(n < 0.01 ? 2 : 1)} %`;
function others(xs: readonly Posted[]): string {
  const counts: Record<string, number> = {};
  for (const x of xs) if (x.status !== 200) counts[x.status] = (counts[x.status] ?? 0) + 1;
  return Object.keys(counts).length ? JSON.stringify(counts) : 'none';
}

/** The markdown of the purge measurement (`o`: the load it was measured with). */
export function purgeSection(purge: Purge, o: { rounds: number; rate: number; window: number }): string {
  // Every cron run that moved rows, and the latency of the same paced load with and without one.
  const runs = purge.rounds.flatMap((r) => r.runs).filter((r) => r.rows > 0);
  const covered = purge.rounds.map((r) => r.runs.filter((x) => x.rows > 0).reduce((s, x) => s + x.ms, 0) / r.windowMs);
  const p99Ratios = purge.rounds.map((r) => ms(r.purge, 0.99) / ms(r.baseline, 0.99));
  const p50Ratios = purge.rounds.map((r) => ms(r.purge, 0.5) / ms(r.baseline, 0.5));
  const allPurge = purge.rounds.flatMap((r) => r.purge);
  const allBase = purge.rounds.flatMap((r) => r.baseline);
  const firstRows = sum(purge.first.map((r) => r.rows));
  const firstMs = sum(purge.first.map((r) => r.ms));

  return `### Purge throughput and webhook latency during a purge

First cron run(s) on the month above (${purge.backlogRows.toLocaleString('en')} audits and stored events due):
${purge.first.map((r) => `${r.archived} archived + ${r.deleted} deleted in ${fmt(r.ms, 0)} ms`).join('; ')} \
→ **${fmt(rowsPerSecond(firstRows, firstMs), 0)} rows/s**. The audits went to \
${purge.firstArchive.objects} R2 objects (${bytes(purge.firstArchive.bytes)} gzip-compressed NDJSON; one object per \
tenant per batch of ${DEFAULT_LIMITS.archiveRows}).
Then ${o.rounds} rounds, the order alternating: ${o.window} webhooks paced at ${o.rate}/s (\`session.created\`, real
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
| purge rows/s, all ${runs.length} runs that moved rows (rows / wall time, pauses included) | \
${fmt(rowsPerSecond(sum(runs.map((r) => r.rows)), sum(runs.map((r) => r.ms))), 0)} | | |
| rows per cron run: min, median, max | ${Math.min(...runs.map((r) => r.rows))}, ${median(runs.map((r) => r.rows))}, \
${Math.max(...runs.map((r) => r.rows))} | | |

Locally the purge shares one workerd process (and 2 busy cores) with the webhook handler, and D1 is a local
SQLite file: the latency ratio is a pessimistic stand-in for production, where the contention is only D1's single
writer. The rows/s figure includes gzip compression and the R2 writes of the archived audits. Simulated day =
${DAY_MS / 3_600_000} h of the service's clock.
`;
}
