import { and, between, count, gt, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { dailyActiveCounts, usageSnapshots, userLastActive } from '../db/schema';
import { HISTORY_DAYS, MAU_WINDOW_DAYS, SNAPSHOT_BACKFILL_DAYS } from '../lib/usage-window';
import { DAY_MS, utcDay } from '../lib/utc-day';

/** The runbook's pricing rule: upgrade past 10,000 monthly active users (USAGE_ALERT_MAU's default). */
export const DEFAULT_USAGE_ALERT_MAU = 10_000;

export type Usage = {
  mau: number;
  /** Monthly Retained Users (Clerk's billing unit): active in the window on a day after their sign-up day. */
  mru: number;
  windowDays: number;
  freeTierLimit: number;
  upgradeRecommended: boolean;
  dailyActive: { day: string; users: number }[];
  /** The last 90 UTC days, oldest first; `mau`/`mru` null for a day the cron has not snapshotted. */
  history: { day: string; dau: number; mau: number | null; mru: number | null }[];
};

/** The 30-day window ending on `day` (inclusive), as UTC day strings. */
function windowOf(lastMs: number): { first: string; last: string } {
  return { first: utcDay(lastMs - (MAU_WINDOW_DAYS - 1) * DAY_MS), last: utcDay(lastMs) };
}

/**
 * Monthly active and retained users over the last 30 UTC days (today included), from rollups that a trigger
 * keeps exact as sessions arrive (migrations 0003, 0007): MAU is an index range count on
 * `user_last_active(last_day)`; MRU the same range where the last active day is after the first. That is exact:
 * a user active in the window on a day after their first has a last day in the window after their first, and
 * conversely. A user's first active day stands for their sign-up day (a sign-up starts a session). Never a scan
 * of login_audits, nor of the window's (day, user) rows. (Evaluated as of now: a user whose last day lies after
 * `now` is not counted, which only matters for past `now`s.)
 */
export async function getUsage(db: Database, args: { now: number; alertMau?: number }): Promise<Usage> {
  const alertMau = args.alertMau ?? DEFAULT_USAGE_ALERT_MAU;
  const { first, last } = windowOf(args.now);
  const historyFirst = utcDay(args.now - (HISTORY_DAYS - 1) * DAY_MS);
  const inWindow = between(userLastActive.lastDay, first, last);
  const [mau, mru, daily, snapshots] = await db.batch([
    db.select({ n: count() }).from(userLastActive).where(inWindow),
    db
      .select({ n: count() })
      .from(userLastActive)
      .where(and(inWindow, isNotNull(userLastActive.firstDay), gt(userLastActive.lastDay, userLastActive.firstDay))),
    db
      .select({ day: dailyActiveCounts.day, users: dailyActiveCounts.users })
      .from(dailyActiveCounts)
      .where(between(dailyActiveCounts.day, historyFirst, last))
      .orderBy(dailyActiveCounts.day),
    db
      .select({ day: usageSnapshots.day, mau: usageSnapshots.mau, mru: usageSnapshots.mru })
      .from(usageSnapshots)
      .where(between(usageSnapshots.day, historyFirst, last)),
  ]);
  const mauCount = Number(mau[0]?.n ?? 0);
  const mruCount = Number(mru[0]?.n ?? 0);
  const dau = new Map(daily.map((r) => [r.day, Number(r.users)]));
  const snapshot = new Map(snapshots.map((r) => [r.day, r]));
  const history: Usage['history'] = [];
  for (let i = HISTORY_DAYS - 1; i >= 0; i--) {
    const day = utcDay(args.now - i * DAY_MS);
    const s = snapshot.get(day);
    // Today's figures are the live ones; a snapshot of today may be minutes old.
    const live = i === 0;
    history.push({
      day,
      dau: dau.get(day) ?? 0,
      mau: live ? mauCount : s ? Number(s.mau) : null,
      mru: live ? mruCount : s ? Number(s.mru) : null,
    });
  }
  return {
    mau: mauCount,
    mru: mruCount,
    windowDays: MAU_WINDOW_DAYS,
    freeTierLimit: alertMau,
    upgradeRecommended: mauCount > alertMau,
    dailyActive: daily.filter((r) => r.day >= first).map((r) => ({ day: r.day, users: Number(r.users) })),
    history,
  };
}

/**
 * MAU and MRU as of the end of `day`, counted from `daily_active_users` (the window's rows: used once per past
 * day by the cron, never on a request).
 */
function snapshotStatement(db: Database, dayMs: number, now: number) {
  const { first, last } = windowOf(dayMs);
  return db.run(sql`
    INSERT INTO usage_snapshots (day, mau, mru, computed_at)
    SELECT ${last},
      count(DISTINCT d.user_id),
      count(DISTINCT CASE WHEN d.day > u.first_day THEN d.user_id END),
      ${now}
    FROM daily_active_users d LEFT JOIN user_last_active u ON u.user_id = d.user_id
    WHERE d.day BETWEEN ${first} AND ${last}
    ON CONFLICT (day) DO UPDATE SET mau = excluded.mau, mru = excluded.mru, computed_at = excluded.computed_at`);
}

/**
 * The cron's usage step: every missing day of the last SNAPSHOT_BACKFILL_DAYS computed, at most `limit` per run
 * (each is one count over its 30-day window of `daily_active_users`, whose rows the lifecycle keeps exactly long
 * enough for that: DAILY_ACTIVE_KEEP_DAYS). Returns the days written. An older missing day stays `null` in the
 * history: its window's rows may be gone, and a count over part of it would understate the figure.
 */
export async function snapshotUsage(db: Database, now: number, limit = SNAPSHOT_BACKFILL_DAYS): Promise<number> {
  const oldest = utcDay(now - SNAPSHOT_BACKFILL_DAYS * DAY_MS);
  const known = await db
    .select({ day: usageSnapshots.day })
    .from(usageSnapshots)
    .where(between(usageSnapshots.day, oldest, utcDay(now)));
  const have = new Set(known.map((r) => r.day));
  const days: number[] = [];
  // From yesterday back: today is always answered live. A day is computed once, on the first run after it ended
  // (a session that lands later in a past day is not reflected there: the live MAU/MRU of today always is).
  for (let i = 1; i <= SNAPSHOT_BACKFILL_DAYS && days.length < limit; i++) {
    const dayMs = now - i * DAY_MS;
    if (!have.has(utcDay(dayMs))) days.push(dayMs);
  }
  for (const dayMs of days) await snapshotStatement(db, dayMs, now);
  return days.length;
}
