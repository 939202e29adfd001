import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type * as schema from '../../src/db/schema';
import { runMaintenance } from '../../src/scheduled';
import { createServices } from '../../src/services/services';
import { getTenant } from '../../src/tenants/tenant-store';
import { getWebhookEventMeta, recordFailure } from '../../src/webhooks/event-store';
import type { ReplayFn } from '../../src/webhooks/replay';
import { DEFAULT_RETRY_LIMITS, retryFailedWebhooks } from '../../src/webhooks/retry-failed-events';
import { seedWebhookEvent, testDb } from '../helpers/api-app';
import { uid } from '../helpers/ids';
import { clerkEvent } from '../helpers/webhooks';

/** The real replay, as the composition root wires it. */
const replayStoredEvent = createServices().replay;

const limits = { maxAttempts: 3, perRun: 2 };

// Tests run in order with clocks going back in time, so what one test leaves is never due in the next.
/** Stores `n` failed `user.created` deliveries (as a live storage failure leaves them), due at `now`. */
async function seedFailed(now: number, n: number, overrides: Partial<typeof schema.webhookEvents.$inferInsert> = {}) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const userId = uid('user');
    const svixId = uid('msg');
    const payload = JSON.stringify(
      clerkEvent('user.created', { id: userId, object: 'user', first_name: 'Retry', email_addresses: [] }, now - 1000),
    );
    await seedWebhookEvent({
      svixId,
      type: 'user.created',
      eventAt: now - 1000,
      status: 'failed',
      attempts: 1,
      lastError: 'db',
      payload,
      receivedAt: now - n + i,
      nextAttemptAt: now - 1,
      ...overrides,
    });
    rows.push({ svixId, userId });
  }
  return rows;
}

describe('retryFailedWebhooks', () => {
  it('re-applies due failed events through the real replay, at most perRun per run', async () => {
    const t = Date.UTC(2099, 0, 1);
    const rows = await seedFailed(t, 3);
    expect(await retryFailedWebhooks(testDb(), replayStoredEvent, t, limits)).toEqual({
      attempted: 2,
      processed: 2,
      failed: 0,
    });
    expect(await retryFailedWebhooks(testDb(), replayStoredEvent, t, limits)).toEqual({
      attempted: 1,
      processed: 1,
      failed: 0,
    });
    for (const { svixId, userId } of rows) {
      expect(await getWebhookEventMeta(testDb(), { svixId })).toMatchObject({ status: 'processed' });
      expect(await getTenant(testDb(), { id: userId })).toMatchObject({ status: 'active', name: 'Retry' });
    }
    expect(await retryFailedWebhooks(testDb(), replayStoredEvent, t, limits)).toMatchObject({ attempted: 0 });
  });

  it('skips events not yet due, permanently failed (no next attempt) or out of attempts', async () => {
    const t = Date.UTC(2098, 0, 1);
    await seedFailed(t, 1, { nextAttemptAt: t + 1 });
    await seedFailed(t, 1, { nextAttemptAt: null });
    await seedFailed(t, 1, { attempts: 3 });
    // Due, but its payload row is gone (erasure): nothing to apply.
    await seedWebhookEvent({
      svixId: uid('msg'),
      type: 'user.created',
      eventAt: t - 1000,
      status: 'failed',
      attempts: 1,
      payload: null,
      receivedAt: t - 5,
      nextAttemptAt: t - 1,
    });
    const replay = vi.fn(replayStoredEvent);
    expect(await retryFailedWebhooks(testDb(), replay, t, limits)).toEqual({ attempted: 0, processed: 0, failed: 0 });
    expect(replay).not.toHaveBeenCalled();
  });

  it('counts a failed replay once (its own failure record) with exponential backoff', async () => {
    const t = Date.UTC(2097, 0, 2);
    const [row] = await seedFailed(t, 1);
    const svixId = row!.svixId;
    // A replay whose storage fails again records the failure as processEvent does.
    const failing: ReplayFn = async (db, id, now) => {
      const meta = await getWebhookEventMeta(db, { svixId: id });
      await recordFailure(
        db,
        {
          svixId: id,
          type: meta!.type,
          eventAt: meta!.eventAt,
          payload: '',
          bodyHash: meta!.bodyHash ?? '',
          userId: null,
          orgId: null,
        },
        'storage',
        now,
        true,
      );
      return { status: 'failed', error: 'storage' };
    };
    expect(await retryFailedWebhooks(testDb(), failing, t, limits)).toEqual({ attempted: 1, processed: 0, failed: 1 });
    // attempts 1 → 2; next attempt 1 min · 2^1 later.
    expect(await getWebhookEventMeta(testDb(), { svixId })).toMatchObject({
      status: 'failed',
      attempts: 2,
      nextAttemptAt: t + 120_000,
    });
    expect(await retryFailedWebhooks(testDb(), failing, t + 119_999, limits)).toMatchObject({ attempted: 0 });
    expect(await retryFailedWebhooks(testDb(), failing, t + 120_000, limits)).toMatchObject({ attempted: 1 });
    expect(await getWebhookEventMeta(testDb(), { svixId })).toMatchObject({ attempts: 3 });
    // The cap of 3 attempts now holds it for an operator.
    expect(await retryFailedWebhooks(testDb(), failing, t + 10_000_000, limits)).toMatchObject({ attempted: 0 });
  });

  it('follows the schedule docs/webhooks.md states: waits of 1, 2, 4 … 64 min, 8 attempts in all', async () => {
    const t = Date.UTC(2094, 0, 1);
    const svixId = uid('msg');
    const delivery = {
      svixId,
      type: 'user.created',
      eventAt: t,
      payload: '{}',
      bodyHash: 'h',
      userId: null,
      orgId: null,
    };
    const failing: ReplayFn = async (db, id, now) => {
      await recordFailure(db, { ...delivery, svixId: id }, 'storage', now, true);
      return { status: 'failed', error: 'storage' };
    };
    await recordFailure(testDb(), delivery, 'storage', t, true); // the live delivery: attempt 1
    const waits: number[] = [];
    let now = t;
    for (;;) {
      const next = (await getWebhookEventMeta(testDb(), { svixId }))!.nextAttemptAt!;
      const report = await retryFailedWebhooks(testDb(), failing, next, { ...DEFAULT_RETRY_LIMITS, perRun: 1000 });
      if (report.attempted === 0) break;
      waits.push((next - now) / 60_000);
      now = next;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(await getWebhookEventMeta(testDb(), { svixId })).toMatchObject({ status: 'failed', attempts: 8 });
    expect((now - t) / 60_000).toBe(127); // the last attempt, ~2.1 h after the first failure
  });

  it('defers a replay that throws and goes on with the next event', async () => {
    const t = Date.UTC(2096, 0, 1);
    const [a, b] = await seedFailed(t, 2);
    const replay = vi.fn<ReplayFn>(async (db, id, now) => {
      if (id === a!.svixId) throw new Error('boom');
      return replayStoredEvent(db, id, now);
    });
    expect(await retryFailedWebhooks(testDb(), replay, t, limits)).toEqual({ attempted: 2, processed: 1, failed: 1 });
    expect(await getWebhookEventMeta(testDb(), { svixId: a!.svixId })).toMatchObject({
      status: 'failed',
      attempts: 2,
      nextAttemptAt: t + 120_000,
    });
    expect(await getWebhookEventMeta(testDb(), { svixId: b!.svixId })).toMatchObject({ status: 'processed' });
  });

  it('runs from the cron entry point with the real replay', async () => {
    const t = Date.UTC(2095, 0, 1);
    const [row] = await seedFailed(t, 1);
    const report = await runMaintenance(createServices(), { ...env, CLERK_SECRET_KEY: undefined }, t);
    expect(report.retry).toMatchObject({ processed: 1 });
    expect(await getWebhookEventMeta(testDb(), { svixId: row!.svixId })).toMatchObject({ status: 'processed' });
  });
});
