import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytes,
  DEFAULT_LIMITS,
  DEFAULT_WINDOWS,
  levelledOff,
  monthlyGrowth,
  projectBytes,
  retainedRows,
  rowsPerSecond,
  sessionsPerDay,
} from '../../bench/lifecycle/arithmetic';
import { RETENTION_DEFAULTS } from '../../src/lib/retention';
import { DAILY_ACTIVE_KEEP_DAYS } from '../../src/lib/usage-window';
import { DEFAULT_LIFECYCLE_LIMITS } from '../../src/lifecycle/run-lifecycle';

describe('lifecycle bench arithmetic', () => {
  it("restates the service's default windows and limits exactly (the bench cannot import them in Node)", () => {
    expect(DEFAULT_WINDOWS).toEqual({
      payloadDays: RETENTION_DEFAULTS.RETAIN_WEBHOOK_PAYLOAD_DAYS,
      recordDays: RETENTION_DEFAULTS.RETAIN_WEBHOOK_RECORD_DAYS,
      auditHotDays: RETENTION_DEFAULTS.RETAIN_AUDIT_HOT_DAYS,
      dailyActiveDays: DAILY_ACTIVE_KEEP_DAYS,
    });
    expect(DEFAULT_LIMITS).toEqual({
      batchRows: DEFAULT_LIFECYCLE_LIMITS.batchRows,
      archiveRows: DEFAULT_LIFECYCLE_LIMITS.archiveRows,
      batchesPerRule: DEFAULT_LIFECYCLE_LIMITS.batchesPerRule,
      batchesPerRun: DEFAULT_LIFECYCLE_LIMITS.batchesPerRun,
      budgetMs: DEFAULT_LIFECYCLE_LIMITS.budgetMs,
      pauseRatio: DEFAULT_LIFECYCLE_LIMITS.pauseRatio,
    });
  });

  it('retained rows are the window times the daily rate (two stored events per session)', () => {
    const t = { mau: 300, sessionsPerMau: 3 };
    expect(sessionsPerDay(t)).toBe(30);
    expect(retainedRows(t)).toEqual({ payloads: 180, webhookRecords: 840, loginAudits: 2700, dailyActive: 1110 });
    // More sessions a day than users: a user counts once a day.
    expect(retainedRows({ mau: 10, sessionsPerMau: 60 }).dailyActive).toBe(10 * DEFAULT_WINDOWS.dailyActiveDays);
  });

  it('projection keeps the empty database and scales the rest linearly with MAU', () => {
    const m = { emptyBytes: 100, steadyBytes: 1100, mau: 10 };
    expect(projectBytes(m, 10)).toBe(1100);
    expect(projectBytes(m, 1000)).toBe(100_100);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e7 }), fc.integer({ min: 1, max: 1e7 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return projectBytes(m, lo) <= projectBytes(m, hi);
      }),
    );
  });

  it('monthly growth is each month against the one before, the first against the start', () => {
    expect(monthlyGrowth(10, [30, 35, 35, 34])).toEqual([20, 5, 0, -1]);
    expect(monthlyGrowth(10, [])).toEqual([]);
  });

  it('a series has levelled off when its last months grew by at most the tolerance of its size', () => {
    expect(levelledOff([10, 50, 90, 92, 93])).toBe(true);
    expect(levelledOff([10, 50, 90, 120, 150])).toBe(false);
    expect(levelledOff([10, 10])).toBe(false); // too short to say
    expect(levelledOff([0, 0, 0])).toBe(false);
  });

  it('rows per second, and NaN for a run that took no time', () => {
    expect(rowsPerSecond(500, 250)).toBe(2000);
    expect(rowsPerSecond(500, 0)).toBeNaN();
  });

  it('bytes print in decimal units, like the 10 GB cap', () => {
    expect(bytes(999)).toBe('999 B');
    expect(bytes(1500)).toBe('1.50 kB');
    expect(bytes(5e9)).toBe('5.00 GB');
    expect(bytes(250e6)).toBe('250 MB');
    expect(bytes(Number.NaN)).toBe('–');
  });
});
