import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getTenant } from '../../src/tenants/tenant-store';
import { getWebhookEvent } from '../../src/webhooks/event-store';
import { testDb } from '../helpers/api-app';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver } from '../helpers/webhooks';

// Effects never cross entities (the review's defect 3): an event may only change rows of the
// entity it names. A refused event is stored `failed` with its reason, never retried.
const T = Date.UTC(2026, 10, 1);

beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

async function ok(event: unknown) {
  expect((await deliver(event)).res.status).toBe(200);
}

/** Delivers an event that must be refused: 400, stored failed with `reason`, no retry scheduled. */
async function refused(event: unknown, reason: string) {
  const { res, svixId } = await deliver(event);
  await expectError(res, 400, 'invalid_request');
  const row = await getWebhookEvent(testDb(), svixId);
  expect(row).toMatchObject({ status: 'failed', nextAttemptAt: null });
  expect(row?.lastError).toContain(reason);
}

const user = (id: string, name: string, type = 'user.created', at = T) =>
  clerkEvent(
    type,
    {
      id,
      first_name: name,
      primary_email_address_id: 'e1',
      email_addresses: [{ id: 'e1', email_address: `${name}@x.test` }],
    },
    at,
  );
const org = (id: string, type = 'organization.updated', at = T + 10) =>
  clerkEvent(type, { id, name: 'Evil Org', slug: 'evil' }, at);
const session = (id: string, userId: string, type: string, at: number, ip: string) =>
  clerkEvent(type, { id, user_id: userId, created_at: T, latest_activity: { ip_address: ip } }, at);

const audit = (sessionId: string) =>
  env.DB.prepare('select user_id, tenant_id, status, ip from login_audits where session_id = ?')
    .bind(sessionId)
    .first();

describe('effects never cross entities', () => {
  it("a session event naming another user never rewrites the session's audit (the review's case)", async () => {
    const [alice, bob, sessionId] = [uid('user'), uid('user'), uid('sess')];
    await ok(session(sessionId, alice, 'session.created', T, '198.51.100.1'));
    const before = await audit(sessionId);
    await refused(session(sessionId, bob, 'session.ended', T + 5, '203.0.113.66'), 'entity_mismatch:session_user');
    await refused(session(sessionId, bob, 'session.created', T + 6, '203.0.113.66'), 'entity_mismatch:session_user');
    expect(await audit(sessionId)).toEqual(before);
    expect(before).toMatchObject({ user_id: alice, tenant_id: alice, status: 'active' });
    // Alice's own events still apply.
    await ok(session(sessionId, alice, 'session.ended', T + 7, '198.51.100.1'));
    expect(await audit(sessionId)).toMatchObject({ user_id: alice, status: 'ended' });
  });

  it("an organization event carrying a user's id never touches that user's tenant", async () => {
    const userId = uid('acct'); // no Clerk prefix: the row's kind decides
    await ok(user(userId, 'ada'));
    const before = await getTenant(testDb(), { id: userId });
    await refused(org(userId, 'organization.updated'), 'entity_mismatch:tenant_kind');
    await refused(org(userId, 'organization.deleted'), 'entity_mismatch:tenant_kind');
    expect(await getTenant(testDb(), { id: userId })).toEqual(before);
    expect(before).toMatchObject({ kind: 'user', name: 'ada', email: 'ada@x.test', status: 'active' });
  });

  it('a user event never touches an organization tenant', async () => {
    const orgId = uid('team');
    await ok(org(orgId, 'organization.created'));
    const before = await getTenant(testDb(), { id: orgId });
    await refused(user(orgId, 'mallory', 'user.updated', T + 20), 'entity_mismatch:tenant_kind');
    await refused(clerkEvent('user.deleted', { id: orgId, deleted: true }, T + 30), 'entity_mismatch:tenant_kind');
    expect(await getTenant(testDb(), { id: orgId })).toEqual(before);
  });

  it(
    'ids of the other kind are refused before anything is written (user.* ' + 'with org_…, organization.* with user_…)',
    async () => {
      const orgId = uid('org');
      const userId = uid('user');
      await refused(user(orgId, 'x'), 'data.id is not a user id');
      await refused(clerkEvent('user.deleted', { id: orgId, deleted: true }, T), 'data.id is not a user id');
      await refused(org(userId, 'organization.created'), 'data.id is not an organization id');
      await refused(session(uid('sess'), orgId, 'session.created', T, '1.2.3.4'), 'data.user_id is not a user id');
      expect(await getTenant(testDb(), { id: orgId })).toBeNull();
      expect(await getTenant(testDb(), { id: userId })).toBeNull();
    },
  );

  it('a membership id never moves to another organization or user', async () => {
    const [orgId, alice, bob, membershipId] = [uid('org'), uid('user'), uid('user'), uid('orgmem')];
    const membership = (userId: string, type: string, at: number) =>
      clerkEvent(
        type,
        {
          id: membershipId,
          role: 'org:admin',
          organization: { id: orgId },
          public_user_data: { user_id: userId },
          created_at: T,
        },
        at,
      );
    await ok(membership(alice, 'organizationMembership.created', T));
    await refused(membership(bob, 'organizationMembership.deleted', T + 5), 'entity_mismatch:membership_pair');
    const row = await env.DB.prepare('select user_id, status from organization_memberships where id = ?')
      .bind(membershipId)
      .first();
    expect(row).toEqual({ user_id: alice, status: 'active' });
  });
});
