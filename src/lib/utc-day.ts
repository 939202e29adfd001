/** One day in ms (UTC days have no DST). */
export const DAY_MS = 86_400_000;

/**
 * The one day bucket: UTC `yyyy-mm-dd` of a ms time, as stored in `daily_active_users.day` (written by
 * the webhook fold, read by the usage query).
 */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
