import { describe, expect, it } from 'vitest';
import { getMembership, listActiveOrgMembers } from '../../src/tenants/tenant-store';
import { testDb } from '../helpers/api-app';
import { call, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, deliver, membershipEvent } from '../helpers/webhooks';

// Leaving and rejoining an organization, through real signed webhooks and real tokens.
const T = Date.UTC(2026, 10, 1);

const membership = membershipEvent;

async function orgCurrent(orgId: string, userId: string) {
  const token = await mintSessionToken({ userId, sessionId: uid('sess'), org: { id: orgId, role: 'member' } });
  return call('/v1/orgs/current', { headers: bearer(token) });
}

async function setup() {
  const orgId = uid('org');
  const userId = uid('user');
  const ok = async (event: unknown) => expect((await deliver(event)).res.status).toBe(200);
  await ok(
    clerkEvent(
      'organization.created',
      { id: orgId, object: 'organization', name: 'Acme', slug: 'acme', created_at: T },
      T,
    ),
  );
  return { orgId, userId, ok };
}

describe('a member who leaves and is added again', () => {
  it(
    'in order (create, delete, create with a new membership id): ' + '/v1/orgs/current answers 200 and lists them once',
    async () => {
      const { orgId, userId, ok } = await setup();
      const [first, second] = [uid('orgmem'), uid('orgmem')];
      await ok(membership(orgId, first, userId, 'organizationMembership.created', T + 1));
      await ok(membership(orgId, first, userId, 'organizationMembership.deleted', T + 2));
      await expectError(await orgCurrent(orgId, userId), 403, 'forbidden');
      await ok(membership(orgId, second, userId, 'organizationMembership.created', T + 3));
      const res = await orgCurrent(orgId, userId);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { membersByRole: Record<string, { userId: string }[]> };
      expect(body.membersByRole['org:member']?.map((m) => m.userId)).toEqual([userId]);
    },
  );

  it('a late delete of the old membership (older than the re-add) does not lock them out', async () => {
    const { orgId, userId, ok } = await setup();
    const [first, second] = [uid('orgmem'), uid('orgmem')];
    await ok(membership(orgId, second, userId, 'organizationMembership.created', T + 3));
    await ok(membership(orgId, first, userId, 'organizationMembership.created', T + 1));
    expect((await orgCurrent(orgId, userId)).status).toBe(200);
    await ok(membership(orgId, first, userId, 'organizationMembership.deleted', T + 2));
    expect((await orgCurrent(orgId, userId)).status).toBe(200);
    expect(await getMembership(testDb(), { orgId, userId })).toEqual({ status: 'active', role: 'org:member' });
    expect((await listActiveOrgMembers(testDb(), { orgId })).map((m) => m.userId)).toEqual([userId]);
  });

  it('a delete newer than the re-add does (whichever membership it names)', async () => {
    for (const which of ['second', 'first'] as const) {
      const { orgId, userId, ok } = await setup();
      const ids = { first: uid('orgmem'), second: uid('orgmem') };
      await ok(membership(orgId, ids.first, userId, 'organizationMembership.created', T + 1));
      await ok(membership(orgId, ids.second, userId, 'organizationMembership.created', T + 3));
      await ok(membership(orgId, ids[which], userId, 'organizationMembership.deleted', T + 4));
      await expectError(await orgCurrent(orgId, userId), 403, 'forbidden');
      expect(await listActiveOrgMembers(testDb(), { orgId })).toEqual([]);
    }
  });
});
