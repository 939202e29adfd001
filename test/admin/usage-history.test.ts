import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getUsage, snapshotUsage } from '../../src/admin/usage-store';
import { createApp } from '../../src/app';
import { DAILY_ACTIVE_KEEP_DAYS, SNAPSHOT_BACKFILL_DAYS } from '../../src/lib/usage-window';
import { deleteOldDailyActive } from '../../src/lifecycle/lifecycle-store';
import { createServices } from '../../src/services/services';
import { testDb } from '../helpers/api-app';
import { callApp } from '../helpers/http';
import { bearer, mintSessionToken } from '../helpers/tokens';

let year = 2500;
const DAY = 86_400_000;

async function activity(pairs: [string, string][]) {
  for (const [day, user] of pairs)
    await env.DB.prepare('insert or ignore into daily_active_users (day, user_id) values (?, ?)').bind(day, user).run();
}

/** Brute force over the (day, user) pairs: MAU and MRU of the 30-day window ending on `last`. */
function bruteForce(pairs: [string, string][], first: string, last: string) {
  const firstDay = new Map<string, string>();
  for (const [d, u] of pairs) if (!firstDay.has(u) || d < (firstDay.get(u) as string)) firstDay.set(u, d);
  const inWindow = pairs.filter(([d]) => d >= first && d <= last);
  return {
    mau: new Set(inWindow.map(([, u]) => u)).size,
    mru: new Set(inWindow.filter(([d, u]) => d > (firstDay.get(u) as string)).map(([, u]) => u)).size,
  };
}

describe('MRU (active in the window on a day after the first)', () => {
  it('equals a brute-force count, live and in the cron’s snapshots (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 6 })), { maxLength: 40 }),
        async (raw) => {
          const y = year++;
          const day = (n: number) => new Date(Date.UTC(y, 0, n)).toISOString().slice(0, 10);
          const pairs = raw.map(([d, u]) => [day(d), `user_m${y}_${u}`] as [string, string]);
          await activity(pairs);
          const now = Date.UTC(y, 0, 100, 12);
          const usage = await getUsage(testDb(), { now });
          // Live figures (today) exclude users whose newest day lies after `now` (none here: days ≤ 100).
          expect({ mau: usage.mau, mru: usage.mru }).toEqual(bruteForce(pairs, day(71), day(100)));
          // The lifecycle has pruned the daily rows to DAILY_ACTIVE_KEEP_DAYS; the cron then fills the missing days
          // of the last week (SNAPSHOT_BACKFILL_DAYS), each still equal to the count over the unpruned rows.
          const beforeDay = new Date(now - DAILY_ACTIVE_KEEP_DAYS * DAY).toISOString().slice(0, 10);
          await deleteOldDailyActive(testDb(), { beforeDay, limit: 1000, now });
          expect(await snapshotUsage(testDb(), now)).toBe(SNAPSHOT_BACKFILL_DAYS);
          const history = (await getUsage(testDb(), { now })).history;
          expect(history).toHaveLength(90);
          for (let offset = 1; offset <= SNAPSHOT_BACKFILL_DAYS; offset++) {
            const h = history[89 - offset];
            expect(h?.day).toBe(day(100 - offset));
            expect({ mau: h?.mau, mru: h?.mru }).toEqual(bruteForce(pairs, day(71 - offset), day(100 - offset)));
          }
          // Older days the cron never snapshotted stay unknown rather than counted over a pruned window.
          for (const offset of [SNAPSHOT_BACKFILL_DAYS + 1, 45, 89]) {
            expect(history[89 - offset]).toMatchObject({ day: day(100 - offset), mau: null, mru: null });
          }
          // Already snapshotted: a second run computes nothing.
          expect(await snapshotUsage(testDb(), now)).toBe(0);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a user who comes back after the retention of daily rows is still retained (first day kept)', async () => {
    const y = year++;
    const signUp = Date.UTC(y, 0, 1, 8);
    const back = signUp + 300 * DAY;
    const user = `user_r${y}`;
    await activity([[new Date(signUp).toISOString().slice(0, 10), user]]);
    await deleteOldDailyActive(testDb(), {
      beforeDay: new Date(back).toISOString().slice(0, 10),
      limit: 1000,
      now: back,
    });
    await activity([[new Date(back).toISOString().slice(0, 10), user]]);
    const usage = await getUsage(testDb(), { now: back });
    expect({ mau: usage.mau, mru: usage.mru }).toEqual({ mau: 1, mru: 1 });
  });

  it('history: dau per day, null mau/mru for days the cron has not snapshotted, today live', async () => {
    const y = year++;
    const now = Date.UTC(y, 5, 1, 8);
    const today = new Date(now).toISOString().slice(0, 10);
    const yesterday = new Date(now - DAY).toISOString().slice(0, 10);
    await activity([
      [yesterday, `user_h${y}_a`],
      [today, `user_h${y}_a`],
      [today, `user_h${y}_b`],
    ]);
    const usage = await getUsage(testDb(), { now });
    expect(usage.history.at(-1)).toEqual({ day: today, dau: 2, mau: 2, mru: 1 });
    expect(usage.history.at(-2)).toEqual({ day: yesterday, dau: 1, mau: null, mru: null });
  });
});

describe('USAGE_ALERT_MAU', () => {
  it('drives freeTierLimit and upgradeRecommended (default 10,000)', async () => {
    const now = Date.now();
    const low = await getUsage(testDb(), { now, alertMau: 1 });
    expect(low.freeTierLimit).toBe(1);
    expect((await getUsage(testDb(), { now })).freeTierLimit).toBe(10_000);
  });

  it('reaches GET /v1/admin/usage from the configuration', async () => {
    const app = createApp({ services: createServices() });
    const headers = bearer(await mintSessionToken({ userId: 'user_admin', fva: [1, 1] }));
    const res = await callApp(app, '/v1/admin/usage', { headers }, { ...env, USAGE_ALERT_MAU: '250' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { freeTierLimit: number; mru: number; history: unknown[] };
    expect(body.freeTierLimit).toBe(250);
    expect(typeof body.mru).toBe('number');
    expect(body.history).toHaveLength(90);
  });

  it('a malformed value is named by the configuration, never a crash', async () => {
    const app = createApp({ services: createServices() });
    const res = await callApp(app, '/health/ready', undefined, { ...env, USAGE_ALERT_MAU: 'ten thousand' });
    const body = (await res.json()) as { checks: { config: { problems?: { name: string }[] } } };
    expect(JSON.stringify(body)).toContain('USAGE_ALERT_MAU');
  });
});
