import { between, count } from 'drizzle-orm';
import type { Database } from '../db/database';
import { dailyActiveCounts, userLastActive } from '../db/schema';
import { DAY_MS, utcDay } from '../lib/utc-day';

/** The runbook's pricing rule: upgrade past 10,000 monthly active users. */
export const FREE_TIER_MAU = 10_000;
export const MAU_WINDOW_DAYS = 30;

export type Usage = {
  mau: number;
  windowDays: number;
  freeTierLimit: number;
  upgradeRecommended: boolean;
  dailyActive: { day: string; users: number }[];
};

/**
 * Monthly active users over the last 30 UTC days (today included), from rollups that a
 * trigger keeps exact as sessions arrive (migration 0003): MAU is an index range count
 * on `user_last_active(last_day)`, the daily series 30 rows of `daily_active_counts`.
 * Never a scan of login_audits, nor of the window's (day, user) rows. (Evaluated as of now: a
 * user whose last day lies after `now` is not counted, which only matters for past `now`s.)
 */
export async function getUsage(db: Database, args: { now: number }): Promise<Usage> {
  const first = utcDay(args.now - (MAU_WINDOW_DAYS - 1) * DAY_MS);
  const last = utcDay(args.now);
  const [mau, daily] = await db.batch([
    db
      .select({ mau: count() })
      .from(userLastActive)
      .where(between(userLastActive.lastDay, first, last)),
    db
      .select({ day: dailyActiveCounts.day, users: dailyActiveCounts.users })
      .from(dailyActiveCounts)
      .where(between(dailyActiveCounts.day, first, last))
      .orderBy(dailyActiveCounts.day),
  ]);
  const mauCount = Number(mau[0]?.mau ?? 0);
  return {
    mau: mauCount,
    windowDays: MAU_WINDOW_DAYS,
    freeTierLimit: FREE_TIER_MAU,
    upgradeRecommended: mauCount > FREE_TIER_MAU,
    dailyActive: daily.map((r) => ({ day: r.day, users: Number(r.users) })),
  };
}
