// Runbook: "Webhook failure" (storage failing, effects failing), the cron's retry and "Lost
// user.deleted webhooks" (reconciliation).
import { expect } from 'vitest';
import { sessionCreated, userCreated } from '../support/clerk-events.ts';
import { check, deliver, drillRow, pool, waitFor } from '../support/drill.ts';
import { ADMIN } from '../support/service.ts';

const CRON = '*/10 * * * *';
type Delivery = [svixId: string, event: object];

drillRow('webhook-failure', ({ clerk, service }) => {
  const t0 = Date.now();
  const events: Delivery[] = [];
  const failing: Delivery[] = [];
  for (let i = 0; i < 10; i++) {
    events.push([`msg_drill_u${i}`, userCreated(`user_wh${i}`, t0 + i)]);
    events.push([`msg_drill_s${i}`, sessionCreated(`sess_wh${i}`, `user_wh${i}`, t0 + 100 + i)]);
  }
  for (let i = 0; i < 4; i++) {
    failing.push([`msg_drill_fu${i}`, userCreated(`user_whf${i}`, t0 + 200 + i)]);
    failing.push([`msg_drill_fs${i}`, sessionCreated(`sess_whf${i}`, `user_whf${i}`, t0 + 300 + i)]);
  }
  const deliverAll = (list: Delivery[], concurrency: number) =>
    pool(list, concurrency, ([id, e]) => deliver(service, id, e));
  const distinct = (statuses: number[]) => [...new Set(statuses)].join(',');
  const admin = () => ({ authorization: `Bearer ${clerk.mint({ userId: ADMIN, claims: { fva: [0, 0] } })}` });
  let goneStatus = 0;

  check('storage failing', 'every delivery 5xx', async (observe) => {
    await service.boot({ fresh: true });
    // D1 refusing every write: nothing can be written, not even the failure record.
    const restore = await service.failWrites(['tenants', 'login_audits', 'webhook_events']);
    let statuses: number[];
    try {
      statuses = await deliverAll(events, 5);
    } finally {
      await restore();
    }
    observe(`statuses ${distinct(statuses)}`);
    expect(statuses.every((s) => s >= 500)).toBe(true);
  });

  check('redelivered', 'all 2xx', async (observe) => {
    const statuses = await deliverAll([...events, ...events], 5); // Svix retries, twice
    observe(`statuses ${distinct(statuses)}`);
    expect(statuses.every((s) => s >= 200 && s < 300)).toBe(true);
  });

  check('exactly once', '10 tenants, 10 audits', async (observe) => {
    const tenants = await service.d1Count("select count(*) from tenants where id like 'user_wh%'");
    const audits = await service.d1Count("select count(*) from login_audits where session_id like 'sess_wh%'");
    observe(`${tenants} tenants, ${audits} audits`);
    expect([tenants, audits]).toEqual([10, 10]);
  });

  check('effects failing', 'every delivery 5xx', async (observe) => {
    // Clerk's truth for reconciliation: every user but user_gone1, deleted in Clerk while its
    // user.deleted webhook was lost (Svix gave up): the cron's reconciliation must archive it.
    goneStatus = await deliver(service, 'msg_drill_gone1', userCreated('user_gone1', t0 + 50));
    for (let i = 0; i < 10; i++) clerk.users.push(userCreated(`user_wh${i}`, t0 + i).data);
    for (let i = 0; i < 4; i++) clerk.users.push(userCreated(`user_whf${i}`, t0 + 200 + i).data);
    // D1 answers, the event store accepts writes, but the events' effects fail: each delivery is recorded `failed`.
    const restore = await service.failWrites(['tenants', 'login_audits']);
    let statuses: number[];
    try {
      statuses = await deliverAll(failing, 4);
    } finally {
      await restore();
    }
    observe(`statuses ${distinct(statuses)}`);
    expect(statuses.every((s) => s >= 500)).toBe(true);
  });

  check('failed events visible', 'GET /v1/admin/webhooks?status=failed lists all 8', async (observe) => {
    const listed = await service.get('/v1/admin/webhooks?status=failed&limit=100', undefined, admin());
    const items: { svixId: string; attempts: number }[] = listed.body?.items ?? [];
    observe(`status ${listed.status}, ${items.length} failed, attempts ${distinct(items.map((e) => e.attempts))}`);
    expect(listed.status).toBe(200);
    expect(items.map((e) => e.svixId).sort()).toEqual(failing.map(([id]) => id).sort());
  });

  check('admin replay', 'POST …/msg_drill_fu0/replay ⇒ processed', async (observe) => {
    const replay = await service.post('/v1/admin/webhooks/msg_drill_fu0/replay', admin());
    observe(`status ${replay.status}, outcome ${replay.body?.outcome}, event.status ${replay.body?.event?.status}`);
    expect(replay.status).toBe(200);
    expect(replay.body?.outcome).toBe('processed');
  });

  check('cron retry', 'no failed events left; 4 tenants, 4 audits', async (observe) => {
    // The cron once the backoff (1 min after the first failure) is due: its clock moved there, no waiting.
    const due = await service.d1Count("select max(next_attempt_at) from webhook_events where status = 'failed'");
    const cron = await service.scheduled(CRON, due + 1000);
    const failedLeft = () => service.d1Count("select count(*) from webhook_events where status = 'failed'");
    const drained = await waitFor(async () => (await failedLeft()) === 0, 20_000);
    const tenants = await service.d1Count("select count(*) from tenants where id like 'user_whf%'");
    const audits = await service.d1Count("select count(*) from login_audits where session_id like 'sess_whf%'");
    observe(`cron ${cron} at due + 1 s, failed left ${await failedLeft()}, ${tenants} tenants, ${audits} audits`);
    expect(cron).toBe(200);
    expect(drained).toBe(true);
    expect([tenants, audits]).toEqual([4, 4]);
  });

  check('late redeliveries', '2xx duplicates; still 14 tenants, 14 audits', async (observe) => {
    const statuses = await deliverAll(failing, 4); // Svix's own retries arrive after all
    const tenants = await service.d1Count("select count(*) from tenants where id like 'user_wh%'");
    const audits = await service.d1Count("select count(*) from login_audits where session_id like 'sess_wh%'");
    observe(`statuses ${distinct(statuses)}; ${tenants} tenants, ${audits} audits`);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect([tenants, audits]).toEqual([14, 14]);
  });

  check('reconciliation', 'the user deleted in Clerk (404) archived, no other', async (observe) => {
    const archivedCount = () => service.d1Count("select count(*) from tenants where status = 'archived'");
    const one = await waitFor(async () => (await archivedCount()) === 1, 10_000);
    const gone = await service.d1Value("select status from tenants where id = 'user_gone1'");
    observe(`${await archivedCount()} archived (user_gone1: ${gone})`);
    expect(goneStatus).toBe(200);
    expect(one).toBe(true);
    expect(gone).toBe('archived');
  });
});
