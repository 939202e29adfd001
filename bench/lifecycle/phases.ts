// The lifecycle bench's three measurements, each against `wrangler dev` and the real webhook route.
//   before: a fresh service, MAU users created, a month of sessions, no cron run (nothing deleted).
//   steady: a fresh service, months of the same traffic with the cron run once per simulated day.
//   purge:  the `before` service's first cron runs, then rounds of webhook load with and without a purge.

import { DAY_MS, MONTH_DAYS, type Traffic } from './arithmetic.ts';
import { type BenchService, type FileStat, type LifecycleStatus, startService } from './service.ts';
import { type Posted, paced, postAll, sessionEvent, userCreated } from './traffic.ts';

export const userId = (i: number) => `user_bench${String(i).padStart(6, '0')}`;
const SESSION_STEP_MS = 60_000;

/** The session events of simulated day `day`: `perDay` sessions, round-robin over the users, each ended. */
function dayOfSessions(t: Traffic, perDay: number, day: number, start: number, tag: string) {
  const events: object[] = [];
  for (let k = 0; k < perDay; k++) {
    const n = day * perDay + k;
    const user = userId(n % t.mau);
    const at = start + day * DAY_MS + k * SESSION_STEP_MS;
    const session = `sess_${tag}${String(n).padStart(8, '0')}`;
    events.push(
      sessionEvent('session.created', session, user, at),
      sessionEvent('session.ended', session, user, at + 1),
    );
  }
  return events;
}

function countStatuses(results: readonly Posted[], into: Record<string, number>) {
  for (const r of results) into[r.status] = (into[r.status] ?? 0) + 1;
}

async function createUsers(s: BenchService, t: Traffic, start: number, statuses: Record<string, number>) {
  const users = Array.from({ length: t.mau }, (_, i) => userCreated(userId(i), start));
  countStatuses(await postAll(s.url, users), statuses);
}

export type Before = {
  emptyBytes: number;
  afterUsersBytes: number;
  afterMonthBytes: number;
  afterMonthFile: FileStat | undefined;
  sessions: number;
  events: number;
  statuses: Record<string, number>;
  service: BenchService;
  start: number;
};

/** A month of traffic with no cron run. The service is left running for `purge`. */
export async function measureBefore(t: Traffic, perDay: number): Promise<Before> {
  const s = await startService();
  const start = Date.now();
  const statuses: Record<string, number> = {};
  const emptyBytes = await s.sizeBytes();
  await createUsers(s, t, start, statuses);
  const afterUsersBytes = await s.sizeBytes();
  for (let day = 0; day < MONTH_DAYS; day++) {
    if (day > 0) await s.advanceClock(DAY_MS);
    countStatuses(await postAll(s.url, dayOfSessions(t, perDay, day, start, 'b')), statuses);
  }
  const afterMonthBytes = await s.sizeBytes();
  const afterMonthFile = await s.fileStat();
  const sessions = perDay * MONTH_DAYS;
  return {
    emptyBytes,
    afterUsersBytes,
    afterMonthBytes,
    afterMonthFile,
    sessions,
    events: t.mau + 2 * sessions,
    statuses,
    service: s,
    start,
  };
}

export type Steady = { emptyBytes: number; months: Month[]; statuses: Record<string, number>; cronErrors: number };

const TABLES = ['webhook_events', 'login_audits', 'daily_active_users', 'user_last_active', 'tenants'] as const;
type Rows = Record<(typeof TABLES)[number] | 'payloads', number>;
export type Month = { month: number; bytes: number; file: FileStat | undefined; rows: Rows; status?: LifecycleStatus };

/** `months` months of traffic, the cron's clock moved to each simulated day's end and run once. */
export async function measureSteady(t: Traffic, perDay: number, months: number): Promise<Steady> {
  const s = await startService();
  try {
    const start = Date.now();
    const statuses: Record<string, number> = {};
    const emptyBytes = await s.sizeBytes();
    await createUsers(s, t, start, statuses);
    const result: Month[] = [];
    let cronErrors = 0;
    for (let day = 0; day < months * MONTH_DAYS; day++) {
      if (day > 0) await s.advanceClock(DAY_MS);
      countStatuses(await postAll(s.url, dayOfSessions(t, perDay, day, start, 's')), statuses);
      await s.cron(start + (day + 1) * DAY_MS - SESSION_STEP_MS);
      const status = await s.lifecycleStatus();
      if (!status || status.error || status.lastRunAt !== start + (day + 1) * DAY_MS - SESSION_STEP_MS) cronErrors += 1;
      if ((day + 1) % MONTH_DAYS === 0) {
        const rows = { payloads: 0 } as Rows;
        for (const table of TABLES) rows[table] = await s.count(table);
        rows.payloads = await s.count('webhook_payloads');
        const [bytes, file] = [await s.sizeBytes(), await s.fileStat()];
        result.push({ month: (day + 1) / MONTH_DAYS, bytes, file, rows, ...(status ? { status } : {}) });
        console.error(`bench: lifecycle steady month ${(day + 1) / MONTH_DAYS}: ${result.at(-1)?.bytes} bytes`);
      }
    }
    return { emptyBytes, months: result, statuses, cronErrors };
  } finally {
    await s.close();
  }
}

export type CronRun = { ms: number; rows: number; archived: number; deleted: number; pending: number };

async function timedCron(s: BenchService, time: number): Promise<CronRun> {
  const started = performance.now();
  await s.cron(time);
  const ms = performance.now() - started;
  const st = await s.lifecycleStatus();
  if (!st || st.error || st.lastRunAt !== time) throw new Error(`lifecycle run failed: ${JSON.stringify(st)}`);
  return { ms, rows: st.archived + st.deleted, archived: st.archived, deleted: st.deleted, pending: st.pending };
}

/** Copies of the month's audits and stored events (payloads kept, old times) under new ids: a purge's backlog. */
async function seedBacklog(s: BenchService, copy: string) {
  for (const [table, key] of [
    ['login_audits', 'session_id'],
    ['webhook_events', 'svix_id'],
    ['webhook_payloads', 'svix_id'],
  ] as const) {
    const sample = await s.first(`select * from bench_${table} limit 1`);
    const columns = Object.keys(sample ?? {});
    const select = columns.map((c) => (c === key ? `'${copy}_' || ${c}` : c)).join(', ');
    await s.sql(`insert into ${table} (${columns.join(', ')}) select ${select} from bench_${table}`);
  }
}

export type Round = { purge: Posted[]; baseline: Posted[]; runs: CronRun[]; windowMs: number; seededRows: number };
export type Purge = {
  first: CronRun[];
  firstArchive: { objects: number; bytes: number };
  rounds: Round[];
  backlogRows: number;
  copies: number;
};

/**
 * The first cron runs on a month of un-purged traffic (until nothing is due), then `rounds` rounds of the same
 * paced webhook load (`window` requests at `rate`/s): once while cron runs drain a backlog back to back, once
 * without, the order alternating. Before each purge window the backlog is re-seeded by copying the month's
 * audits and stored events (kept aside before the first run) under new ids: rows the real route wrote, sized
 * from the first runs' throughput so the purge outlasts the window.
 */
export async function measurePurge(b: Before, t: Traffic, o: { rounds: number; rate: number; window: number }) {
  const s = b.service;
  const cronAt = b.start + 200 * DAY_MS; // past every window (payloads, records, audits, MAU rows)
  for (const table of ['login_audits', 'webhook_events', 'webhook_payloads'])
    await s.sql(`create table bench_${table} as select * from ${table}`);
  const backlogRows = (await s.count('bench_login_audits')) + (await s.count('bench_webhook_events'));
  const first: CronRun[] = [];
  do first.push(await timedCron(s, cronAt));
  while ((first.at(-1)?.pending ?? 0) > 0 && first.length < 20);
  const firstArchive = await s.archive('audit/');
  // One copy is about the month the first runs purged: copies enough for 1.5 windows at their pace.
  const firstMs = first.reduce((sum, r) => sum + r.ms, 0);
  const copies = Math.max(1, Math.ceil((1.5 * ((1000 * o.window) / o.rate)) / firstMs));

  let n = 0;
  const load = () =>
    paced(s.url, o.window, o.rate, () => {
      n += 1;
      const session = `sess_load${String(n).padStart(8, '0')}`;
      return sessionEvent('session.created', session, userId(n % t.mau), Date.now());
    });
  const rounds: Round[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const round: Round = { purge: [], baseline: [], runs: [], windowMs: 0, seededRows: 0 };
    const withPurge = async () => {
      for (let c = 0; c < copies; c++) await seedBacklog(s, `r${r}c${c}`);
      round.seededRows = copies * backlogRows;
      let loading = true;
      const purging = (async () => {
        while (loading) {
          const run = await timedCron(s, cronAt);
          round.runs.push(run);
          if (run.rows === 0) break;
        }
      })();
      const started = performance.now();
      round.purge = await load();
      round.windowMs = performance.now() - started;
      loading = false;
      await purging;
    };
    const without = async () => {
      round.baseline = await load();
    };
    for (const step of r % 2 === 0 ? [withPurge, without] : [without, withPurge]) await step();
    rounds.push(round);
    console.error(`bench: lifecycle purge round ${r + 1}/${o.rounds}: ${round.runs.length} cron run(s)`);
  }
  return { first, firstArchive, rounds, backlogRows, copies } satisfies Purge;
}
