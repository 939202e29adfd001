import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services/services';
import { getWebhookEvent } from '../../src/webhooks/event-store';
import { testDb } from '../helpers/api-app';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver, membershipEvent, rowCounts } from '../helpers/webhooks';

// The payload row (`webhook_payloads`, migration 0009) beside the event's record: written in the delivery's own
// batch on the first sighting of its svix-id, never brought back by a redelivery, never written for a tenant
// whose erasure has begun.

const first = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .first<Record<string, unknown>>();

const userUpdated = (id: string, email: string, at = Date.now()) =>
  clerkEvent(
    'user.updated',
    {
      id,
      first_name: 'Ada',
      email_addresses: [{ id: 'idn_1', email_address: email }],
      primary_email_address_id: 'idn_1',
    },
    at,
  );

async function seedTenant(id: string, kind: 'user' | 'organization', fence: 'erasure_started_at' | 'erased_at') {
  await env.DB.prepare(
    `insert into tenants (id, kind, status, source, created_at, updated_at, archived_at, ${fence})
     values (?, ?, 'archived', 'webhook', 1, 1, 1, 1)`,
  )
    .bind(id, kind)
    .run();
}

describe('webhook payload rows', () => {
  it('a delivery stores its record and its payload row together, with whom it names and when it came', async () => {
    const [org, user] = [uid('org'), uid('user')];
    const event = membershipEvent(org, uid('orgmem'), user, 'organizationMembership.created', Date.now());
    const { res, svixId } = await deliver(event);
    expect(res.status).toBe(200);
    const record = await first('select received_at from webhook_events where svix_id = ?', svixId);
    const body = JSON.stringify(event);
    expect(
      await first(
        'select svix_id, user_id, org_id, received_at, typeof(payload) as stored, length(payload) as bytes ' +
          'from webhook_payloads where svix_id = ?',
        svixId,
      ),
    ).toEqual({
      svix_id: svixId,
      user_id: user,
      org_id: org,
      received_at: record?.received_at,
      stored: 'blob',
      bytes: expect.any(Number),
    });
    // Gzip-compressed (payload-codec.ts), read back as the body Clerk signed.
    expect((await getWebhookEvent(testDb(), svixId))?.payload).toBe(body);
  });

  it('a stored payload whose bytes are damaged replays as a failed event (invalid data), never a crash', async () => {
    const userId = uid('user');
    const { svixId } = await deliver(userUpdated(userId, `${userId}@example.test`));
    await env.DB.prepare("update webhook_payloads set payload = x'1f8b0800deadbeef' where svix_id = ?")
      .bind(svixId)
      .run();
    // A failed event due for a retry (the cron's case): the damaged payload must end its retries.
    await env.DB.prepare(
      "update webhook_events set status = 'failed', attempts = 1, next_attempt_at = 1, last_error = null " +
        'where svix_id = ?',
    )
      .bind(svixId)
      .run();
    expect(await createServices().replay(testDb(), svixId, Date.now())).toEqual({
      status: 'failed',
      error: 'invalid_data',
    });
    expect(
      await first('select status, attempts, next_attempt_at, last_error from webhook_events where svix_id = ?', svixId),
    ).toEqual({
      status: 'failed',
      attempts: 2,
      next_attempt_at: null,
      last_error: 'not a Clerk event: type, data',
    });
  });

  it('a redelivery after its payload row was deleted (retention) is a duplicate and brings nothing back', async () => {
    const userId = uid('user');
    const body = JSON.stringify(userUpdated(userId, `${userId}@example.test`));
    const { svixId } = await deliver(body);
    await env.DB.prepare('delete from webhook_payloads where svix_id = ?').bind(svixId).run();
    const again = await deliver(body, { id: svixId });
    expect(await again.res.json()).toEqual({ received: true, duplicate: true });
    expect(await first('select * from webhook_payloads where svix_id = ?', svixId)).toBeNull();
  });

  for (const fence of ['erasure_started_at', 'erased_at'] as const)
    it(`a late delivery naming a tenant with ${fence} set keeps its record and leaves no payload`, async () => {
      const [userId, orgId, other] = [uid('user'), uid('org'), uid('user')];
      await seedTenant(userId, 'user', fence);
      await seedTenant(orgId, 'organization', fence);
      const email = `${userId}@example.test`;
      const before = await rowCounts();
      const late = [
        userUpdated(userId, email),
        // Naming the fenced organization only (the user is someone else).
        membershipEvent(orgId, uid('orgmem'), other, 'organizationMembership.created', Date.now()),
      ];
      for (const event of late) {
        const { res, svixId } = await deliver(event);
        expect(res.status).toBe(200);
        expect(await first('select status from webhook_events where svix_id = ?', svixId)).not.toBeNull();
        expect(await first('select * from webhook_payloads where svix_id = ?', svixId)).toBeNull();
      }
      expect((await rowCounts()).webhook_payloads).toBe(before.webhook_payloads);
      expect(await first('select count(*) as n from webhook_payloads where payload like ?', `%${email}%`)).toEqual({
        n: 0,
      });
    });

  it('ids that try to break out of SQL or JSON are stored verbatim as data, the tables intact', async () => {
    const userId = `user_x'); drop table webhook_payloads; --"}`;
    const { res, svixId } = await deliver(userUpdated(userId, 'trick@example.test'));
    expect(res.status).toBe(200);
    expect(await first('select user_id from webhook_payloads where svix_id = ?', svixId)).toEqual({ user_id: userId });
    expect(await first("select count(*) as n from sqlite_master where name = 'webhook_payloads'")).toEqual({ n: 1 });
  });
});
