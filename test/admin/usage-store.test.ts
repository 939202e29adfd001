import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getUsage } from '../../src/admin/usage-store';
import { testDb } from '../helpers/api-app';

let year = 2300;

// The trigger-maintained rollups (migration 0003) must agree with a brute-force count over
// daily_active_users, whatever the order and duplication of the inserts.
describe('usage rollups', () => {
  it('MAU and the daily series equal a brute-force count (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 7 })), {
          minLength: 1,
          maxLength: 40,
        }),
        async (activity) => {
          const y = year++; // a year of its own per run: days never collide with other runs or tests
          const day = (n: number) => new Date(Date.UTC(y, 0, n)).toISOString().slice(0, 10);
          for (const [d, u] of activity) {
            // As the webhook fold writes it: INSERT OR IGNORE, duplicates included.
            await env.DB.prepare('insert or ignore into daily_active_users (day, user_id) values (?, ?)')
              .bind(day(d), `user_y${y}_${u}`)
              .run();
          }
          const now = Date.UTC(y, 0, 45, 12);
          const usage = await getUsage(testDb(), { now });
          const first = day(45 - 29);
          const last = day(45);
          const pairs = new Set(activity.map(([d, u]) => `${day(d)}|${u}`));
          const inWindow = [...pairs]
            .map((p) => p.split('|') as [string, string])
            .filter(([d]) => d >= first && d <= last);
          // Users whose newest day lies after `now` are not counted (see getUsage).
          const lastDay = new Map<string, string>();
          for (const p of pairs) {
            const [d, u] = p.split('|') as [string, string];
            if ((lastDay.get(u) ?? '') < d) lastDay.set(u, d);
          }
          const mau = [...lastDay.values()].filter((d) => d >= first && d <= last).length;
          expect(usage.mau).toBe(mau);
          const perDay = new Map<string, number>();
          for (const [d] of inWindow) perDay.set(d, (perDay.get(d) ?? 0) + 1);
          expect(usage.dailyActive).toEqual(
            [...perDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, users]) => ({ day: d, users })),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
