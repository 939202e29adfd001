import { type SQL, sql } from 'drizzle-orm';

/**
 * The one retry policy for failed webhook deliveries (Svix retries on its own as well; this is our
 * scheduled retry from the stored payload): the n-th failed attempt schedules the next 1 min · 2ⁿ⁻¹
 * later, so with 8 attempts the waits are 1, 2, 4 … 64 min and the last attempt comes ~2.1 h after
 * the first failure (`maxShift` caps the shift should `maxAttempts` grow). After `maxAttempts`
 * attempts an event stays `failed` until an operator replays it. `perRun` bounds one cron run.
 */
export const RETRY_POLICY = { baseMs: 60_000, maxShift: 8, maxAttempts: 8, perRun: 25 } as const;

/** When the first failed attempt of a new delivery is retried. */
export function firstRetryAt(now: number): number {
  return now + RETRY_POLICY.baseMs;
}

/** SQL for the next attempt time, from the row's attempt count before this failure (`attempts`). */
export function nextRetryAtSql(now: number, attempts: SQL | unknown): SQL {
  return sql`${now} + (${RETRY_POLICY.baseMs} << min(${attempts}, ${RETRY_POLICY.maxShift}))`;
}
