import { sql } from 'drizzle-orm';
import type { Database } from '../../env';

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

const DAY_MS = 86_400_000;

/** UTC day `YYYY-MM-DD` of a ms timestamp, as in `daily_active_users.day`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Monthly active users over the last 30 UTC days (today included), from the
 * `daily_active_users` rollup written as sessions arrive: a range scan of its
 * (day, user_id) primary key, never a scan of login_audits.
 */
export async function getUsage(db: Database, args: { now: number }): Promise<Usage> {
  const first = utcDay(args.now - (MAU_WINDOW_DAYS - 1) * DAY_MS);
  const last = utcDay(args.now);
  const [mau, daily] = await Promise.all([
    db.get<{ mau: number }>(sql`select count(distinct user_id) as mau from daily_active_users where day between ${first} and ${last}`),
    db.all<{ day: string; users: number }>(
      sql`select day, count(*) as users from daily_active_users where day between ${first} and ${last} group by day order by day`,
    ),
  ]);
  const mauCount = Number(mau?.mau ?? 0);
  return {
    mau: mauCount,
    windowDays: MAU_WINDOW_DAYS,
    freeTierLimit: FREE_TIER_MAU,
    upgradeRecommended: mauCount > FREE_TIER_MAU,
    dailyActive: daily.map((r) => ({ day: r.day, users: Number(r.users) })),
  };
}
