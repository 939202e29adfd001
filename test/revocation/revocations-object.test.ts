import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DENY_ENTRY_TTL_MS, denyEntry } from '../../src/revocation/deny-rule';
import type { Revocations } from '../../src/revocation/revocations-object';
import { uid } from '../helpers/ids';

// A fresh object per test (the Worker uses one named `global`).
const object = () => env.REVOCATIONS.getByName(uid('rev'));

describe('REVOCATIONS Durable Object', () => {
  it('stores entries, bumps the version only when something changed, and hands out a snapshot', async () => {
    const stub = object();
    const now = Date.now();
    const first = await stub.revoke([denyEntry('session', 'sess_1', now), denyEntry('user', 'user_1', now)]);
    expect(first).toEqual({ ok: true, version: 1, changed: 2 });
    // Replayed: nothing changes, the version stays.
    expect(await stub.revoke([denyEntry('session', 'sess_1', now)])).toEqual({ ok: true, version: 1, changed: 0 });
    // Out of order (an older event for the same session): the later time is kept.
    expect(await stub.revoke([denyEntry('session', 'sess_1', now - 5_000)])).toEqual({
      ok: true,
      version: 1,
      changed: 0,
    });
    expect(await stub.revoke([denyEntry('user', 'user_1', now + 1_000)])).toEqual({ ok: true, version: 2, changed: 1 });
    const snapshot = await stub.snapshot(now);
    expect(snapshot.version).toBe(2);
    expect(snapshot.truncated).toBe(false);
    expect(snapshot.entries).toEqual([
      ['u', 'user_1', now + 1_000],
      ['s', 'sess_1', now],
    ]);
  });

  it('answers strict checks: sessions by id, users by issue time', async () => {
    const stub = object();
    const now = Date.now();
    await stub.revoke([denyEntry('session', 'sess_2', now), denyEntry('user', 'user_2', now)]);
    const iatBefore = Math.floor(now / 1000) - 10;
    expect(await stub.check({ sessionId: 'sess_2', userId: 'user_x', issuedAt: iatBefore }, now)).toBe(true);
    expect(await stub.check({ sessionId: 'sess_9', userId: 'user_2', issuedAt: iatBefore }, now)).toBe(true);
    expect(await stub.check({ sessionId: 'sess_9', userId: 'user_2', issuedAt: Math.floor(now / 1000) + 1 }, now)).toBe(
      false,
    );
    // Past the entry's life it refuses nothing (the tokens it was for have expired).
    expect(
      await stub.check({ sessionId: 'sess_2', userId: 'user_x', issuedAt: iatBefore }, now + DENY_ENTRY_TTL_MS),
    ).toBe(false);
  });

  it('refuses malformed writes whole and skips entries already expired', async () => {
    const stub = object();
    const now = Date.now();
    const refused = { ok: false, error: 'bad_entries' };
    expect(await stub.revoke([denyEntry('session', 'sess_ok', now), denyEntry('session', 'bad id', now)])).toEqual(
      refused,
    );
    expect(await stub.revoke([{ kind: 'tenant' as never, id: 'x', at: now }])).toEqual(refused);
    expect(await stub.revoke([denyEntry('session', 'sess_ok', 1.5)])).toEqual(refused);
    expect((await stub.snapshot(now)).entries).toEqual([]);
    expect(await stub.revoke([denyEntry('session', 'sess_old', now - DENY_ENTRY_TTL_MS - 1)])).toEqual({
      ok: true,
      version: 0,
      changed: 0,
    });
  });

  it('expires entries: the snapshot leaves them out, the alarm deletes them and is set for the next one', async () => {
    const stub = object();
    const now = Date.now();
    await stub.revoke([denyEntry('session', 'sess_new', now)]);
    // An entry whose time has passed, written straight into storage (the clock of a Durable Object cannot be moved).
    await runInDurableObject(stub, async (_: Revocations, state) => {
      state.storage.sql.exec(
        "INSERT INTO deny (kind, id, at) VALUES ('session', 'sess_old', ?)",
        now - DENY_ENTRY_TTL_MS - 1,
      );
      // Far ahead, so it runs only when the test says (runDurableObjectAlarm).
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    expect((await stub.snapshot(now)).entries).toEqual([['s', 'sess_new', now]]);
    expect(await stub.stats()).toMatchObject({ version: 1, entries: 2 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.stats()).toMatchObject({ version: 1, entries: 1 });
    const alarm = await runInDurableObject(stub, (_: Revocations, state) => state.storage.getAlarm());
    expect(alarm).toBe(now + DENY_ENTRY_TTL_MS);
  });
});
