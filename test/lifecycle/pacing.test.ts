import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drainInTurns, type PaceClock, pacer } from '../../src/lifecycle/pacing';

/** A clock only the test moves: a batch advances it by its duration, a pause by the time paused. */
function fakeClock() {
  const clock = { t: 1_000, pauses: [] as number[] };
  const pace: PaceClock = {
    now: () => clock.t,
    pause: async (ms) => {
      clock.pauses.push(ms);
      clock.t += ms;
    },
  };
  return { clock, pace };
}

describe('pacer', () => {
  it('pauses pauseRatio × each batch, and starts no batch once the budget is spent', async () => {
    const { clock, pace } = fakeClock();
    const p = pacer({ budgetMs: 1_000, pauseRatio: 4 }, pace);
    const started: number[] = [];
    const batch = (ms: number) => async () => {
      started.push(clock.t);
      clock.t += ms;
      return ms;
    };
    expect(await p.batch(batch(100))).toBe(100); // 100 + 400 paused
    expect(await p.batch(batch(50))).toBe(50); // 50 + 200 paused: 750 used
    expect(await p.batch(batch(100))).toBe(100); // 100, then the pause is cut to the 150 left
    expect(clock.pauses).toEqual([400, 200, 150]);
    expect(p.spent()).toBe(true);
    expect(await p.batch(batch(1))).toBeUndefined();
    expect(started).toEqual([1_000, 1_500, 1_750]);
    expect(p.used()).toEqual({ busyMs: 250, pausedMs: 750 });
    // A batch due whatever the budget (a rule's first turn) runs, but no pause past the budget follows it: slow
    // batches (D1 overloaded) must not stretch a run past the cron's period by their pauses.
    const paused = clock.pauses.length;
    expect(await p.batch(batch(10), true)).toBe(10);
    expect(clock.pauses.length).toBe(paused);
  });

  it('never pauses when the ratio is 0, and a batch never ends the budget early by itself', async () => {
    const { clock, pace } = fakeClock();
    const p = pacer({ budgetMs: 10, pauseRatio: 0 }, pace);
    for (let i = 0; i < 9; i++)
      await p.batch(async () => {
        clock.t += 1;
      });
    expect(clock.pauses).toEqual([]);
    expect(p.spent()).toBe(false);
  });

  it('for any batch durations: batches start inside the budget, pauses never pass it, the share is kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 9 }),
        async (durations, budgetMs, pauseRatio) => {
          const { clock, pace } = fakeClock();
          const t0 = clock.t;
          const p = pacer({ budgetMs, pauseRatio }, pace);
          let ran = 0;
          for (const ms of durations) {
            const startedAt = clock.t;
            const r = await p.batch(async () => {
              clock.t += ms;
              return ms;
            });
            if (r === undefined) {
              expect(startedAt - t0).toBeGreaterThanOrEqual(budgetMs);
              break;
            }
            expect(startedAt - t0).toBeLessThan(budgetMs);
            ran += 1;
          }
          const { busyMs, pausedMs } = p.used();
          expect(busyMs).toBe(durations.slice(0, ran).reduce((a, b) => a + b, 0));
          expect(pausedMs).toBeLessThanOrEqual(busyMs * pauseRatio);
          // Only the last batch may run past the budget (a batch is never cut), never a pause.
          const last = durations[ran - 1] ?? 0;
          expect(clock.t - t0).toBeLessThanOrEqual(budgetMs + last);
        },
      ),
    );
  });
});

describe('drainInTurns', () => {
  /** Rules over in-memory backlogs: each batch takes `ms` of the fake clock and removes up to `limit` rows. */
  function rules(backlogs: number[], clock: { t: number }, ms = 10) {
    const left = [...backlogs];
    const order: { rule: number; at: number }[] = [];
    const steps = Object.fromEntries(
      left.map((_, i) => [
        `r${i}`,
        async (limit: number) => {
          order.push({ rule: i, at: clock.t });
          clock.t += ms;
          const n = Math.min(limit, left[i] ?? 0);
          left[i] = (left[i] ?? 0) - n;
          return n;
        },
      ]),
    );
    return { steps, left, order };
  }

  it('takes turns, a batch of each rule per round, and stops a rule once it did less than a full batch', async () => {
    const { clock, pace } = fakeClock();
    const { steps, left, order } = rules([5, 1, 3], clock);
    const r = await drainInTurns(
      steps,
      { batchRows: 2, batchesPerRule: 10, batchesPerRun: 100 },
      pacer({ budgetMs: 1e9, pauseRatio: 1 }, pace),
    );
    expect(order.map((x) => x.rule)).toEqual([0, 1, 2, 0, 2, 0]);
    expect(r).toEqual({ totals: { r0: 5, r1: 1, r2: 3 }, backlog: false });
    expect(left).toEqual([0, 0, 0]);
  });

  it('stops after batchesPerRun batches in all (D1 queries per invocation), the first round excepted', async () => {
    const { clock, pace } = fakeClock();
    const { steps, order } = rules([9, 9, 9], clock);
    const limits = { batchRows: 1, batchesPerRule: 10, batchesPerRun: 5 };
    const r = await drainInTurns(steps, limits, pacer({ budgetMs: 1e9, pauseRatio: 0 }, pace));
    expect(order.map((x) => x.rule)).toEqual([0, 1, 2, 0, 1]);
    expect(r).toEqual({ totals: { r0: 2, r1: 2, r2: 1 }, backlog: true });
    // A cap below the number of rules still lets every rule move once.
    const again = await drainInTurns(
      steps,
      { ...limits, batchesPerRun: 1 },
      pacer({ budgetMs: 1e9, pauseRatio: 0 }, pace),
    );
    expect(again.totals).toEqual({ r0: 1, r1: 1, r2: 1 });
  });

  it('every rule has its first batch in every run, even with no budget: none starves behind another', async () => {
    const { clock, pace } = fakeClock();
    const { steps, order } = rules([9, 9, 9], clock);
    const r = await drainInTurns(
      steps,
      { batchRows: 2, batchesPerRule: 10, batchesPerRun: 100 },
      pacer({ budgetMs: 0, pauseRatio: 1 }, pace),
    );
    expect(order.map((x) => x.rule)).toEqual([0, 1, 2]);
    expect(r).toEqual({ totals: { r0: 2, r1: 2, r2: 2 }, backlog: true });
  });

  it('a backlog larger than the budget drains over several runs: nothing lost, no run over its budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 10, max: 200 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        async (backlogs, batchRows, batchesPerRule, budgetMs, pauseRatio, batchesPerRun) => {
          const { clock, pace } = fakeClock();
          const { steps, left, order } = rules(backlogs, clock);
          const done = backlogs.map(() => 0);
          for (let run = 1; ; run++) {
            expect(run).toBeLessThan(1_000);
            const before = order.length;
            const t0 = clock.t;
            const limits = { batchRows, batchesPerRule, batchesPerRun };
            const r = await drainInTurns(steps, limits, pacer({ budgetMs, pauseRatio }, pace));
            const batches = order.slice(before);
            // Bounded: each rule at most batchesPerRule batches; the first round (one batch of each rule) runs
            // whatever the budget, every later batch starts inside it.
            for (let i = 0; i < backlogs.length; i++)
              expect(batches.filter((x) => x.rule === i).length).toBeLessThanOrEqual(batchesPerRule);
            // And all rules together at most batchesPerRun, beyond the first round's one batch each.
            expect(batches.length).toBeLessThanOrEqual(Math.max(batchesPerRun, backlogs.length));
            expect(batches.slice(0, backlogs.length).map((x) => x.rule)).toEqual(backlogs.map((_, i) => i));
            for (const b of batches.slice(backlogs.length)) expect(b.at - t0).toBeLessThan(budgetMs);
            // Turns: no rule is two batches ahead of another that still had a full batch to do.
            const counts = backlogs.map((_, i) => batches.filter((x) => x.rule === i).length);
            for (const [i, total] of Object.values(r.totals).entries()) {
              done[i] = (done[i] ?? 0) + total;
              if (total === (counts[i] ?? 0) * batchRows)
                expect(Math.max(...counts) - (counts[i] ?? 0)).toBeLessThanOrEqual(1);
            }
            if (left.some((n) => n > 0)) expect(r.backlog).toBe(true);
            if (!r.backlog) break;
          }
          expect(left.every((n) => n === 0)).toBe(true);
          expect(done).toEqual(backlogs);
        },
      ),
    );
  });
});
