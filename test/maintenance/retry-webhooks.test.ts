import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import type { ReplayFn } from '../../src/admin/replay';
import { getWebhookEventMeta } from '../../src/db/queries/webhook-events';
import * as schema from '../../src/db/schema';
import { retryFailedWebhooks } from '../../src/maintenance/retry-webhooks';
import { testDb, uid } from '../helpers/api-app';

const limits = { maxAttempts: 3, perRun: 2, baseDelayMs: 60_000, maxDelayMs: 150_000 };
// Each test uses its own far-apart clock, so due events from other tests are never due.
async function seedFailed(now: number, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const svixId = uid('msg');
    ids.push(svixId);
    await testDb()
      .insert(schema.webhookEvents)
      .values({
        svixId,
        type: 'user.updated',
        eventAt: now,
        status: 'failed',
        attempts: 1,
        lastError: 'db',
        payload: '{}',
        receivedAt: now - n + i,
        nextAttemptAt: now - 1,
      });
  }
  return ids;
}

/** A replay that fails `failures` times per event, then marks it processed (as the webhooks module would). */
function flakyReplay(failures: number) {
  const count = new Map<string, number>();
  return vi.fn<ReplayFn>(async (db, svixId) => {
    const n = (count.get(svixId) ?? 0) + 1;
    count.set(svixId, n);
    if (n <= failures) return { status: 'failed', error: 'still broken' };
    await db.update(schema.webhookEvents).set({ status: 'processed' }).where(eq(schema.webhookEvents.svixId, svixId));
    return { status: 'processed' };
  });
}

describe('retryFailedWebhooks', () => {
  it('retries due failed events, at most perRun per run, with exponential backoff and an attempt cap', async () => {
    const t = Date.UTC(2095, 0, 1);
    const [a] = await seedFailed(t, 1);
    const replay = flakyReplay(99);
    // attempts 1 → 2: next in base·2^(2-1) = 120 s.
    expect(await retryFailedWebhooks(testDb(), replay, t, limits)).toEqual({ attempted: 1, processed: 0, failed: 1 });
    expect(await getWebhookEventMeta(testDb(), { svixId: a as string })).toMatchObject({
      attempts: 2,
      nextAttemptAt: t + 120_000,
      status: 'failed',
    });
    // Not due yet.
    expect(await retryFailedWebhooks(testDb(), replay, t + 119_999, limits)).toEqual({ attempted: 0, processed: 0, failed: 0 });
    // attempts 2 → 3: the delay doubles, capped at 150 s; then the cap of 3 attempts holds it for an operator.
    expect(await retryFailedWebhooks(testDb(), replay, t + 120_000, limits)).toMatchObject({ attempted: 1 });
    expect(await getWebhookEventMeta(testDb(), { svixId: a as string })).toMatchObject({
      attempts: 3,
      nextAttemptAt: t + 120_000 + 150_000,
    });
    expect(await retryFailedWebhooks(testDb(), replay, t + 10_000_000, limits)).toMatchObject({ attempted: 0 });
    expect(replay).toHaveBeenCalledTimes(2);
  });

  it('bounds the work per run and records success', async () => {
    const t = Date.UTC(2096, 0, 1);
    const ids = await seedFailed(t, 3);
    const replay = flakyReplay(0);
    expect(await retryFailedWebhooks(testDb(), replay, t, limits)).toEqual({ attempted: 2, processed: 2, failed: 0 });
    expect(await retryFailedWebhooks(testDb(), replay, t, limits)).toEqual({ attempted: 1, processed: 1, failed: 0 });
    for (const svixId of ids)
      expect(await getWebhookEventMeta(testDb(), { svixId })).toMatchObject({ status: 'processed', attempts: 2, nextAttemptAt: null });
  });

  it('counts a replay that throws as a failed attempt and goes on with the next event', async () => {
    const t = Date.UTC(2097, 0, 1);
    const [a, b] = await seedFailed(t, 2);
    const replay = vi.fn<ReplayFn>(async (_db, id) => {
      if (id === a) throw new Error('boom');
      return { status: 'processed' };
    });
    expect(await retryFailedWebhooks(testDb(), replay, t, limits)).toEqual({ attempted: 2, processed: 1, failed: 1 });
    expect(await getWebhookEventMeta(testDb(), { svixId: a as string })).toMatchObject({ attempts: 2, nextAttemptAt: t + 120_000 });
    expect(replay.mock.calls.map((c) => c[1])).toEqual([a, b]);
  });
});
