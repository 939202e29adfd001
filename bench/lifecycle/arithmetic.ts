// The lifecycle bench's arithmetic (pure; test/bench/lifecycle-arithmetic.test.ts): what a simulated scale's
// measurements mean at another scale. Nothing here is measured at 1M MAU: it is the measured bytes per retained
// row times the rows the retention windows hold at that rate.

export const DAY_MS = 86_400_000;
/** A month of the simulation and of the projections (MAU counts users active in 30 days). */
export const MONTH_DAYS = 30;
export const GB = 1e9;
/** D1's cap per database (10 GB, counted as 10^9-byte GB like readiness's `capBytes`). */
export const D1_CAP_BYTES = 10 * GB;

/**
 * The default retention windows (src/lib/retention.ts RETENTION_DEFAULTS, and src/lib/usage-window.ts DAILY_ACTIVE_KEEP_DAYS) and
 * per-run limits (DEFAULT_LIFECYCLE_LIMITS), restated because Node cannot import the Worker's modules; a test
 * (test/bench/lifecycle-arithmetic.test.ts) keeps them equal to the source.
 */
export const DEFAULT_WINDOWS = { payloadDays: 3, recordDays: 14, auditHotDays: 90, dailyActiveDays: 37 };
export const DEFAULT_LIMITS = {
  batchRows: 200,
  archiveRows: 10,
  batchesPerRule: 150,
  batchesPerRun: 150,
  budgetMs: 180_000,
  pauseRatio: 9,
};

/** The traffic model: each monthly active user starts `sessionsPerMau` sessions a month (two events each). */
export type Traffic = { mau: number; sessionsPerMau: number };

export const sessionsPerDay = (t: Traffic) => (t.mau * t.sessionsPerMau) / MONTH_DAYS;

/** Rows the retention windows hold at steady state, by table (days × daily rate; DAU rows: one per user-day). */
export function retainedRows(t: Traffic, windows: typeof DEFAULT_WINDOWS = DEFAULT_WINDOWS) {
  const perDay = sessionsPerDay(t);
  return {
    /** Stored events still holding their payload (session.created + session.ended). */
    payloads: 2 * perDay * windows.payloadDays,
    webhookRecords: 2 * perDay * windows.recordDays,
    loginAudits: perDay * windows.auditHotDays,
    /** Distinct (day, user) pairs: at most one per session, at most one per user a day. */
    dailyActive: Math.min(perDay, t.mau) * windows.dailyActiveDays,
  };
}

/**
 * Scales a measured steady-state size to `targetMau`: the fixed part (an empty, migrated database) stays, the
 * rest grows with the rate (every retained row is proportional to the rate, tenants to the users).
 */
export function projectBytes(m: { emptyBytes: number; steadyBytes: number; mau: number }, targetMau: number) {
  return m.emptyBytes + ((m.steadyBytes - m.emptyBytes) * targetMau) / m.mau;
}

/** Growth of each month over the one before (the first against `startBytes`). */
export function monthlyGrowth(startBytes: number, monthEnds: readonly number[]): number[] {
  return monthEnds.map((bytes, i) => bytes - (i === 0 ? startBytes : (monthEnds[i - 1] ?? startBytes)));
}

/**
 * Whether a size series has levelled off: the last `tail` months together grew by at most `tolerance` of the
 * final size (the file reuses freed pages; it never shrinks).
 */
export function levelledOff(monthEnds: readonly number[], tail = 2, tolerance = 0.05): boolean {
  if (monthEnds.length <= tail) return false;
  const last = monthEnds.at(-1) ?? 0;
  const before = monthEnds.at(-1 - tail) ?? 0;
  return last > 0 && (last - before) / last <= tolerance;
}

/** Rows per second of a cron run (archived + deleted over its wall time). */
export const rowsPerSecond = (rows: number, ms: number) => (ms > 0 ? (rows * 1000) / ms : Number.NaN);

/** Bytes in a human unit (decimal: kB, MB, GB as D1's cap is counted). */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const units: [number, string][] = [
    [GB, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units)
    if (Math.abs(n) >= size) return `${(n / size).toFixed(n / size >= 100 ? 0 : 2)} ${unit}`;
  return `${Math.round(n)} B`;
}
