import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/env';
import { PENDING_BATCH_JOB } from '../../src/lifecycle/archive-batch';
import type { PaceClock } from '../../src/lifecycle/pacing';
import { type LifecycleLimits, runLifecycle } from '../../src/lifecycle/run-lifecycle';
import { testDb } from '../helpers/api-app';
import {
  archivedRecords,
  archiveKeys,
  clockedApp,
  count,
  DAY_MS,
  resetLifecycleState,
  userWithSession,
} from './support';

// The lifecycle's pacing (src/lifecycle/pacing.ts) against real D1 and R2, with a clock only the test moves: no
// wall-clock figure here. Its own arithmetic (budget, pauses, turns) is tested in pacing.test.ts.

const T0 = Date.UTC(2030, 0, 10, 12);
const AT = T0 + 91 * DAY_MS; // every audit, record and payload of the burst is due

beforeEach(resetLifecycleState);

/**
 * A clock where every reading is `tick` ms after the previous one (so each batch lasts at least that long) and a
 * pause moves it by the time asked; `onPause` runs inside the pause (where the webhooks are served).
 */
function steppingClock(tick: number, onPause: (n: number) => Promise<void> = async () => {}) {
  const state = { t: 0, pauses: 0 };
  const clock: PaceClock = {
    now: () => {
      state.t += tick;
      return state.t;
    },
    pause: async (ms) => {
      state.pauses += 1;
      state.t += ms;
      await onPause(state.pauses);
    },
  };
  return { clock, state };
}

function run(limits: Partial<LifecycleLimits>, clock: PaceClock) {
  const config = parseConfig(env as unknown as Record<string, unknown>);
  return runLifecycle({ db: testDb(), bucket: env.ARCHIVE, config, now: AT, limits, clock });
}

async function archivedSessions(): Promise<string[]> {
  const keys = await archiveKeys('audit/');
  return (await Promise.all(keys.map(archivedRecords))).flat().map((r) => String(r.sessionId));
}

describe('paced lifecycle runs', () => {
  it('a run honours its time budget, and the backlog drains over several runs with nothing lost', async () => {
    const { app } = clockedApp(T0);
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await userWithSession(app, T0 + i));
    // A batch and its pause cost at most 7 ms of this clock (6 readings, a 1 ms pause). The first round (one
    // batch of each of the 5 rules) runs whatever the budget; a later batch starts only inside the 60 ms.
    const limits = { batchRows: 2, archiveRows: 2, batchesPerRule: 100, budgetMs: 60, pauseRatio: 1 };
    const most = Math.ceil(60 / 2) + 5;
    const runs = [];
    for (;;) {
      const { clock, state } = steppingClock(1);
      const status = await run(limits, clock);
      expect(status.error).toBeUndefined();
      expect(state.pauses).toBeGreaterThanOrEqual(5);
      expect(state.t).toBeLessThanOrEqual(limits.budgetMs + 7);
      runs.push(status);
      if (status.pending === 0) break;
      expect(runs.length).toBeLessThan(30);
    }
    expect(runs.length).toBeGreaterThan(2);
    for (const r of runs) {
      const d = r.detail;
      const rows = (d.payloadsDropped ?? 0) + (d.recordsDeleted ?? 0) + (d.auditsArchived ?? 0);
      expect(rows + (d.dailyActiveDeleted ?? 0) + (d.failedEventsArchived ?? 0)).toBeLessThanOrEqual(most * 2);
    }
    expect(await count('select * from login_audits')).toBe(0);
    expect(await count('select * from webhook_events')).toBe(0);
    expect((await archivedSessions()).sort()).toEqual(users.map((u) => u.session).sort());
  });

  it('with no budget a run still moves every rule by one batch, and says what is left pending', async () => {
    const { app } = clockedApp(T0);
    for (let i = 0; i < 3; i++) await userWithSession(app, T0 + i);
    const { clock } = steppingClock(1);
    const status = await run({ budgetMs: 0, batchRows: 1, archiveRows: 1 }, clock);
    expect(status.detail).toMatchObject({
      payloadsDropped: 1,
      recordsDeleted: 1,
      auditsArchived: 1,
      dailyActiveDeleted: 1,
    });
    expect(status.pending).toBeGreaterThan(0);
    expect(await count('select * from login_audits')).toBe(2);
  });

  it('whatever happens during the pauses (deliveries, a crash), every audit is archived exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 3 }),
        async (users, batchRows, crashAtPause, deliverAtPauses) => {
          await resetLifecycleState();
          const { app } = clockedApp(T0);
          const sessions: string[] = [];
          for (let i = 0; i < users; i++) sessions.push((await userWithSession(app, T0 + i)).session);
          let pauses = 0;
          let crashed = false;
          const onPause = async () => {
            pauses += 1;
            // A webhook served while the purge pauses: more due rows, written between two batches.
            if (deliverAtPauses.includes(pauses))
              sessions.push((await userWithSession(app, T0 + 100 + pauses)).session);
            // The isolate going away mid-run (here: the pause throwing); the next run goes on from D1's state.
            if (pauses === crashAtPause && !crashed) {
              crashed = true;
              throw new Error('isolate evicted');
            }
          };
          const limits = { batchRows, archiveRows: batchRows, batchesPerRule: 100, budgetMs: 15, pauseRatio: 1 };
          for (let i = 0; ; i++) {
            expect(i).toBeLessThan(60);
            const status = await run(limits, steppingClock(1, onPause).clock);
            if (status.pending === 0 && !status.error) break;
          }
          expect(await count('select * from login_audits')).toBe(0);
          expect(await count('select * from job_state where name = ?', PENDING_BATCH_JOB)).toBe(0);
          expect((await archivedSessions()).sort()).toEqual([...sessions].sort());
        },
      ),
      { numRuns: 12 },
    );
  });
});
