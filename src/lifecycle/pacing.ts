/**
 * How a lifecycle run shares D1 (one writer) and its isolate with the requests served beside it: bounded
 * batches, a pause after each one in proportion to how long it took, and a time budget for the whole run
 * instead of a fixed number of batches. Pure: the clock and the pause are injected (tests use a fake clock).
 */
export type Pacing = {
  /** Time a run may spend on its batches and pauses (ms); no batch starts once it is spent. */
  budgetMs: number;
  /**
   * After each batch, a pause of `pauseRatio` × the batch's duration: the purge takes at most
   * 1 / (1 + pauseRatio) of the writer's (and the isolate's) time, the rest is left to webhooks.
   */
  pauseRatio: number;
};

export type PaceClock = { now: () => number; pause: (ms: number) => Promise<void> };

/** The platform's clock and timer. In workerd `Date.now()` moves with I/O, which is what a batch is. */
export const PLATFORM_CLOCK: PaceClock = {
  now: () => Date.now(),
  pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type Pacer = {
  /**
   * Runs one batch and the pause after it, or nothing (`undefined`) when the run's budget is spent, unless
   * `always` (the batch then runs whatever is left; its pause, like every pause, ends with the budget).
   */
  batch<T>(work: () => Promise<T>, always?: boolean): Promise<T | undefined>;
  /** Whether the budget is spent (no further batch will run). */
  spent(): boolean;
  /** Time spent so far: in batches, and pausing between them (ms). */
  used(): { busyMs: number; pausedMs: number };
};

export function pacer(pacing: Pacing, clock: PaceClock): Pacer {
  const started = clock.now();
  let busyMs = 0;
  let pausedMs = 0;
  const left = () => pacing.budgetMs - (clock.now() - started);
  return {
    async batch(work, always = false) {
      if (!always && left() <= 0) return undefined;
      const before = clock.now();
      const result = await work();
      const took = Math.max(0, clock.now() - before);
      busyMs += took;
      // Never pause past the budget (the run ends instead, the next one goes on), not even after a batch that was
      // due anyway: a run of slow batches (D1 overloaded) must not outlast the cron's period by its pauses.
      const pause = Math.min(took * pacing.pauseRatio, Math.max(0, left()));
      if (pause > 0) {
        const p0 = clock.now();
        await clock.pause(pause);
        pausedMs += Math.max(0, clock.now() - p0);
      }
      return result;
    },
    spent: () => left() <= 0,
    used: () => ({ busyMs, pausedMs }),
  };
}

/** One rule's bounded step: does at most `limit` rows, returns how many it did. */
export type Step = (limit: number) => Promise<number>;

/**
 * `batchRows`: rows per batch, unless `rows` names another size for a rule; `batchesPerRule`: per run;
 * `batchesPerRun`: all rules together (each batch is at most three D1 queries, and D1 allows 1,000 per Worker
 * invocation, shared with the cron's other jobs).
 */
export type DrainLimits = { batchRows: number; batchesPerRule: number; batchesPerRun: number };

/**
 * Runs the rules' steps in turns, one batch of each per round, until each has done less than a full batch
 * (caught up), or has run `batchesPerRule` batches, or `batchesPerRun` batches ran in all, or the pacer's budget
 * is spent. The first round runs
 * whatever the budget: every rule moves in every run, so none waits behind another's backlog (a budget that
 * held only the first rules' batches would starve the last ones run after run). `backlog`: rows may be left.
 */
export async function drainInTurns<Name extends string>(
  steps: Record<Name, Step>,
  limits: DrainLimits,
  pace: Pacer,
  rows: Partial<Record<Name, number>> = {},
): Promise<{ totals: Record<Name, number>; backlog: boolean }> {
  const rules = (Object.keys(steps) as Name[]).map((name) => ({
    name,
    size: rows[name] ?? limits.batchRows,
    total: 0,
    batches: 0,
    done: false,
  }));
  let batches = 0;
  for (let round = 0; ; round++) {
    const turn = rules.filter((r) => !r.done && r.batches < limits.batchesPerRule);
    if (turn.length === 0) break;
    for (const rule of turn) {
      if (round > 0 && batches >= limits.batchesPerRun) return result(rules);
      batches += 1;
      const n = await pace.batch(() => steps[rule.name](rule.size), round === 0);
      if (n === undefined) return result(rules);
      rule.total += n;
      rule.batches += 1;
      if (n < rule.size) rule.done = true;
    }
  }
  return result(rules);
}

function result<Name extends string>(rules: { name: Name; total: number; done: boolean }[]) {
  const totals = Object.fromEntries(rules.map((r) => [r.name, r.total])) as Record<Name, number>;
  return { totals, backlog: rules.some((r) => !r.done) };
}
