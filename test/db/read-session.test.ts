import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isBookmark, openReadSession } from '../../src/db/read-session';
import * as schema from '../../src/db/schema';
import { getTenant } from '../../src/tenants/tenant-store';
import { seedTenant } from '../helpers/api-app';
import { BOOKMARK_SHAPE, countingD1 } from '../helpers/counting-d1';
import { uid } from '../helpers/ids';

describe('D1 sessions under Drizzle (facts this design relies on, checked in workerd)', () => {
  it('drizzle(session) reads and batches through the session, and the session reports a bookmark', async () => {
    const counting = countingD1(env.DB);
    const tenant = await seedTenant({ id: uid('user') });
    const session = openReadSession(counting.db, undefined);
    expect(counting.calls.withSession).toEqual(['first-unconstrained']);
    expect(await getTenant(session.db, { id: tenant.id })).toMatchObject({ id: tenant.id });
    const [rows] = await session.db.batch([
      session.db.select().from(schema.tenants).where(eq(schema.tenants.id, tenant.id)),
    ]);
    expect(rows).toHaveLength(1);
    // Only the session was used: nothing went to the bare binding.
    expect(counting.calls).toMatchObject({ prepare: 0, batch: 0, exec: 0, sessionBatch: 1 });
    expect(counting.calls.sessionPrepare).toBeGreaterThanOrEqual(2);
    expect(session.bookmark()).toMatch(BOOKMARK_SHAPE);
  });

  it('a session opened at a bookmark starts there (and a write in a session advances it)', async () => {
    const first = openReadSession(env.DB, undefined);
    await getTenant(first.db, { id: 'user_nobody' });
    const b1 = first.bookmark();
    expect(isBookmark(b1)).toBe(true);
    const counting = countingD1(env.DB);
    const second = openReadSession(counting.db, b1);
    expect(counting.calls.withSession).toEqual([b1]);
    await seedTenant({ id: uid('user') });
    await second.db.insert(schema.tenants).values({
      id: uid('user'),
      kind: 'user',
      status: 'active',
      source: 'jit',
      createdAt: 1,
      updatedAt: 1,
    });
    const b2 = second.bookmark() as string;
    expect(b2).toMatch(BOOKMARK_SHAPE);
    expect(b2 > (b1 as string)).toBe(true);
  });

  it('Miniflare accepts a garbage bookmark and echoes it back: why we validate first', async () => {
    const raw = env.DB.withSession('not-a-bookmark');
    await raw.prepare('select 1').all();
    expect(raw.getBookmark()).toBe('not-a-bookmark');
    // Ours ignores it and starts unconstrained.
    const counting = countingD1(env.DB);
    const ours = openReadSession(counting.db, 'not-a-bookmark');
    await getTenant(ours.db, { id: 'user_nobody' });
    expect(counting.calls.withSession).toEqual(['first-unconstrained']);
    expect(ours.bookmark()).toMatch(BOOKMARK_SHAPE);
  });

  it('falls back to first-unconstrained when D1 refuses a well-formed bookmark', async () => {
    const counting = countingD1(env.DB, { refuseBookmarks: true });
    const wellFormed = `00000000-00000001-00000000-${'f'.repeat(32)}`;
    const session = openReadSession(counting.db, wellFormed);
    expect(counting.calls.withSession).toEqual([wellFormed, 'first-unconstrained']);
    expect(await getTenant(session.db, { id: 'user_nobody' })).toBeNull();
  });

  it('isBookmark accepts only the four-hex-group shape', () => {
    expect(isBookmark(`0000000a-00000002-00004f3a-${'6a3c'.repeat(8)}`)).toBe(true);
    for (const bad of [
      '',
      'first-primary',
      'first-unconstrained',
      `0000000A-00000002-00004f3a-${'6a3c'.repeat(8)}`,
      `0000000a-00000002-00004f3a-${'6a3c'.repeat(8)}\n`,
      ` 0000000a-00000002-00004f3a-${'6a3c'.repeat(8)}`,
      `0000000a-00000002-00004f3a-${'6a3c'.repeat(8)}0`,
      '0'.repeat(100_000),
      null,
      undefined,
    ]) {
      expect(isBookmark(bad)).toBe(false);
    }
  });
});
