import { afterEach, describe, expect, it, vi } from 'vitest';
import { getTenant } from '../../src/tenants/tenant-store';
import { getWebhookEvent } from '../../src/webhooks/event-store';
import { seedWebhookEvent, testDb } from '../helpers/api-app';
import { call, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, deliver } from '../helpers/webhooks';

// A svix-id is bound to the body first stored under it (the review's defect 2).
const T = Date.UTC(2026, 10, 1);

/** SHA-256 hex, computed here independently of the implementation. */
async function bodyHash(body: string) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
const userUpdated = (id: string, name: string, at = T) =>
  JSON.stringify(clerkEvent('user.updated', { id, first_name: name, email_addresses: [], created_at: T }, at));

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  for (const level of ['log', 'warn', 'error'] as const)
    vi.spyOn(console, level).mockImplementation((line: unknown) => {
      try {
        lines.push(JSON.parse(String(line)));
      } catch {}
    });
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('a known svix-id with another body', () => {
  it('is refused with 409 conflict, nothing applied, logged with both hashes, visible in the admin list', async () => {
    const logs = captureLogs();
    const [svixId, userId] = [uid('msg'), uid('user')];
    const first = userUpdated(userId, 'Ada');
    const second = userUpdated(userId, 'Mallory', T + 1000);
    expect((await deliver(first, { id: svixId })).res.status).toBe(200);

    const refused = await deliver(second, { id: svixId });
    const error = await expectError(refused.res, 409, 'conflict');
    // hashes go to the log and the admin API, not to the sender
    expect(JSON.stringify(error)).not.toMatch(/[0-9a-f]{64}/);

    expect((await getTenant(testDb(), { id: userId }))?.name).toBe('Ada');
    const row = await getWebhookEvent(testDb(), svixId);
    expect(row).toMatchObject({
      payload: first,
      status: 'processed',
      attempts: 1,
      bodyHash: await bodyHash(first),
      idReuseCount: 1,
    });
    expect(row?.reusedBodyHash).toBe(await bodyHash(second));

    const line = logs.find((l) => l.event === 'webhook.id_reused');
    expect(line).toMatchObject({
      level: 'error',
      svixId,
      storedHash: await bodyHash(first),
      receivedHash: await bodyHash(second),
    });

    const token = await mintSessionToken({ userId: 'user_admin', fva: [0, 0] });
    const list = (await (await call('/v1/admin/webhooks?limit=100', { headers: bearer(token) })).json()) as {
      items: { svixId: string; bodyHash: string; idReuse: unknown }[];
    };
    expect(list.items.find((i) => i.svixId === svixId)).toMatchObject({
      bodyHash: await bodyHash(first),
      idReuse: { count: 1, lastBodyHash: await bodyHash(second) },
    });
  });

  it(
    'the same body again is still a duplicate (and a refused id can ' + 'still be redelivered with its own body)',
    async () => {
      captureLogs();
      const [svixId, userId] = [uid('msg'), uid('user')];
      const body = userUpdated(userId, 'Ada');
      expect((await deliver(body, { id: svixId })).res.status).toBe(200);
      await expectError((await deliver(userUpdated(userId, 'Eve'), { id: svixId })).res, 409, 'conflict');
      const again = await deliver(body, { id: svixId });
      expect(await again.res.json()).toEqual({ received: true, duplicate: true });
    },
  );

  it('a stored failure is not overwritten by another body, and its retry applies the stored body', async () => {
    captureLogs();
    const [svixId, userId] = [uid('msg'), uid('user')];
    const body = userUpdated(userId, 'Ada');
    // A failed first attempt, as processEvent records it when storage fails.
    await seedWebhookEvent({
      svixId,
      type: 'user.updated',
      eventAt: T,
      status: 'failed',
      attempts: 1,
      lastError: 'storage',
      payload: body,
      bodyHash: await bodyHash(body),
      receivedAt: T,
    });
    await expectError((await deliver(userUpdated(userId, 'Eve'), { id: svixId })).res, 409, 'conflict');
    expect(await getWebhookEvent(testDb(), svixId)).toMatchObject({
      status: 'failed',
      payload: body,
      lastError: 'storage',
    });
    expect((await deliver(body, { id: svixId })).res.status).toBe(200);
    expect((await getTenant(testDb(), { id: userId }))?.name).toBe('Ada');
  });

  it('rows stored before the hash existed (null) accept their redelivery as before', async () => {
    const [svixId, userId] = [uid('msg'), uid('user')];
    const body = userUpdated(userId, 'Ada');
    await seedWebhookEvent({
      svixId,
      type: 'user.updated',
      eventAt: T,
      status: 'processed',
      attempts: 1,
      payload: body,
      receivedAt: T,
      processedAt: T,
    });
    expect(await (await deliver(body, { id: svixId })).res.json()).toEqual({ received: true, duplicate: true });
  });

  it(
    '50 concurrent deliveries of one new id with different bodies: ' + 'exactly one applies, and it is the stored one',
    async () => {
      captureLogs();
      const [svixId, userId] = [uid('msg'), uid('user')];
      const bodies = Array.from({ length: 50 }, (_, i) => userUpdated(userId, `Name ${i}`, T + i));
      const statuses = await Promise.all(bodies.map(async (b) => (await deliver(b, { id: svixId })).res.status));
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      const row = await getWebhookEvent(testDb(), svixId);
      const winner = bodies.indexOf(row?.payload as string);
      expect(winner).toBe(statuses.indexOf(200));
      expect(row?.idReuseCount).toBe(49);
      expect((await getTenant(testDb(), { id: userId }))?.name).toBe(`Name ${winner}`);
    },
  );
});
