// Data lifecycle (issue "Data that ends on schedule", docs/data-lifecycle.md) against wrangler dev: a burst of
// signed webhooks (users, sessions, two organizations with memberships, a user.deleted, an organization.deleted)
// and logins, then the cron run with its clock moved 1, 10 and 100 days past the burst (the service's clock moved
// with it, POST /__test/clock). At each step payloads, records, audits, erasure, the export and readiness hold
// as the documentation says (default RETAIN_* settings), and the deleted user's email and IPs are nowhere in D1.
import { gunzipSync } from 'node:zlib';
import { Webhook } from 'svix';
import { expect } from 'vitest';
import { svixHeaders } from '../../scripts/lib/sign.ts';
import { sessionCreated, sessionEnded, userCreated } from '../support/clerk-events.ts';
import { check, count, drillRow, pool, QUICK, waitFor } from '../support/drill.ts';
import { ADMIN, WEBHOOK_SECRET } from '../support/service.ts';

const CRON = '*/10 * * * *';
const DAY = 86_400_000;
const N = QUICK ? 8 : 40;
const VICTIM = 'user_lcvictim';
const EMAIL = `${VICTIM}@drill.test`;
const VICTIM_IPS = ['198.51.100.23', '2001:db8::77'];
const signer = new Webhook(WEBHOOK_SECRET);

const event = (type: string, data: object, t: number, ip?: string) => ({
  type,
  object: 'event',
  timestamp: t,
  data,
  ...(ip ? { event_attributes: { http_request: { client_ip: ip, user_agent: 'VictimBrowser/1.0' } } } : {}),
});
const membership = (id: string, org: string, user: string, t: number) =>
  event(
    'organizationMembership.created',
    {
      id,
      object: 'organization_membership',
      role: 'org:member',
      permissions: ['org:sys_memberships:read'],
      organization: { id: org, name: `${org} Ltd` },
      public_user_data: { user_id: user, identifier: `${user}@drill.test` },
      created_at: t,
      updated_at: t,
    },
    t,
  );

drillRow('lifecycle', ({ clerk, service }) => {
  const t0 = Date.now();
  const users = Array.from({ length: N }, (_, i) => `user_lc${i}`);
  let shift = 0; // the service clock's offset (POST /__test/clock)
  const at = () => Date.now() + shift;

  const post = async (svixId: string, e: object) => {
    const body = JSON.stringify(e);
    return (await service.post('/api/webhooks/clerk', svixHeaders(signer, svixId, body), body)).status;
  };
  /** A token minted at the service's (moved) time; the admin's with a fresh second factor. */
  const token = (userId: string) => {
    const now = Math.floor(at() / 1000);
    return clerk.mint({ userId, claims: { iat: now, nbf: now - 5, exp: now + 300, fva: [0, 0] } });
  };
  const exportOf = async (id: string) => {
    const res = await service.get(`/v1/admin/tenants/${id}/export`, token(ADMIN));
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    const lines = res.status === 200 ? text.split('\n').filter(Boolean) : [];
    // A complete export's last line is {"kind":"end","lines":n}: not a row.
    const kinds = lines.map((l) => JSON.parse(l).kind as string);
    return { status: res.status, text, kinds: kinds.at(-1) === 'end' ? kinds.slice(0, -1) : kinds };
  };
  /** `table.column` for every column of every table holding one of `needles` (one batch, via the platform proxy). */
  const victimTraces = async () => {
    const needles = [EMAIL, ...VICTIM_IPS, 'VictimBrowser'];
    const { results } = await service.d1
      .prepare(
        "select m.name as t, p.name as c from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table' " +
          "and m.name not like 'sqlite_%' and m.name not like '_cf_%' and m.name <> 'd1_migrations'",
      )
      .all<{ t: string; c: string }>();
    const found = (await service.d1.batch(
      results.map(({ t, c }) =>
        service.d1
          .prepare(
            `select count(*) as n from "${t}" where ${needles.map(() => `cast("${c}" as text) like ?`).join(' or ')}`,
          )
          .bind(...needles.map((x) => `%${x}%`)),
      ),
    )) as { results: { n: number }[] }[];
    const traces = results.flatMap(({ t, c }, i) => (Number(found[i]?.results[0]?.n ?? 0) > 0 ? [`${t}.${c}`] : []));
    // Payloads are gzip bytes (src/webhooks/payload-codec.ts), which no LIKE sees into: each is read decompressed.
    const payloads = await service.d1.prepare('select payload from webhook_payloads').all<{ payload: unknown }>();
    const texts = payloads.results.map(({ payload }) =>
      typeof payload === 'string'
        ? payload
        : gunzipSync(
            payload instanceof ArrayBuffer ? new Uint8Array(payload) : Uint8Array.from(payload as number[]),
          ).toString(),
    );
    if (texts.some((text) => needles.some((n) => text.includes(n)))) traces.push('webhook_payloads.payload (gzip)');
    return traces;
  };
  /** The cron at t0 + `days` (its clock), the service's clock moved there first; waits for the lifecycle run. */
  const cronAt = async (days: number) => {
    const target = t0 + days * DAY;
    // The test clock moves at most a day per call.
    for (let delta = Math.ceil(target - at()); delta > 0; delta = Math.ceil(target - at())) {
      const step = Math.min(delta, DAY);
      await service.advanceClock(step);
      shift += step;
    }
    expect(await service.scheduled(CRON, target)).toBe(200);
    const ran = await waitFor(
      async () =>
        Number(
          await service.d1Value("select value ->> '$.lastRunAt' from job_state where name = 'lifecycle.status'"),
        ) === target,
      30_000,
    );
    expect(ran).toBe(true);
    return JSON.parse(String(await service.d1Value("select value from job_state where name = 'lifecycle.status'")));
  };
  const storage = async () => (await service.get('/health/ready')).body?.checks?.storage;
  const tally = async () => ({
    payloads: await service.d1Count('select count(*) from webhook_payloads'),
    records: await service.d1Count('select count(*) from webhook_events'),
    audits: await service.d1Count('select count(*) from login_audits'),
  });

  check(
    'burst',
    `${N} users (created, session, ended, login), 2 orgs, user.deleted, organization.deleted: all 2xx`,
    async (observe) => {
      await service.boot({ fresh: true });
      for (const u of users) clerk.users.push(userCreated(u, t0).data); // Clerk still knows them (reconciliation)
      const statuses: number[] = [];
      statuses.push(
        ...(await pool(users, 4, async (u, i) => {
          const s = `sess_lc${i}`;
          const a = await post(`msg_lc_u${i}`, userCreated(u, t0 + i));
          const b = await post(`msg_lc_s${i}`, sessionCreated(s, u, t0 + 100 + i));
          const c = await post(`msg_lc_e${i}`, sessionEnded(s, u, t0 + 200 + i, 'session.ended'));
          return [a, b, c].every((x) => x === 200) ? 200 : 500;
        })),
      );
      const victim = {
        ...userCreated(VICTIM, t0).data,
        email_addresses: [{ id: `idn_${VICTIM}`, email_address: EMAIL }],
      };
      const sequence: [string, object][] = [
        ['msg_lc_vu', event('user.created', victim, t0)],
        ...VICTIM_IPS.map((ip, i): [string, object] => [
          `msg_lc_vs${i}`,
          event(
            'session.created',
            { id: `sess_lcv${i}`, user_id: VICTIM, status: 'active', created_at: t0 + i },
            t0 + 300 + i,
            ip,
          ),
        ]),
        ['msg_lc_ok', event('organization.created', { id: 'org_lckeep', name: 'Keep Co', slug: 'keep-co' }, t0)],
        ['msg_lc_og', event('organization.created', { id: 'org_lcgone', name: 'Gone Co', slug: 'gone-co' }, t0)],
        ['msg_lc_m1', membership('orgmem_lc1', 'org_lckeep', users[0] as string, t0 + 400)],
        ['msg_lc_m2', membership('orgmem_lc2', 'org_lckeep', VICTIM, t0 + 401)],
        ['msg_lc_m3', membership('orgmem_lc3', 'org_lcgone', users[1] as string, t0 + 402)],
        ['msg_lc_m4', membership('orgmem_lc4', 'org_lcgone', VICTIM, t0 + 403)],
        ['msg_lc_vd', event('user.deleted', { id: VICTIM, deleted: true }, t0 + 500)],
        ['msg_lc_od', event('organization.deleted', { id: 'org_lcgone', deleted: true }, t0 + 501)],
      ];
      for (const [id, e] of sequence) statuses.push(await post(id, e));
      const logins = await pool(users, 4, async (u) => (await service.get('/v1/me', token(u))).status);
      const t = await tally();
      observe(
        `webhooks ${count(statuses, (s) => s === 200)}/${statuses.length} 2xx, logins ${count(logins, (s) => s === 200)}/${N} 200; ${t.payloads} payloads, ${t.audits} audits`,
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(logins.every((s) => s === 200)).toBe(true);
      expect(await victimTraces()).not.toEqual([]);
    },
  );

  check(
    '+1 day',
    'deleted user and org erased (archive first), nothing else due; victim found nowhere in D1; export from archive',
    async (observe) => {
      const before = await tally();
      const run = await cronAt(1);
      const after = await tally();
      const victim = await service.d1Value(
        `select json_object('email', email, 'erased', erased_at is not null) from tenants where id = '${VICTIM}'`,
      );
      const gone = await service.d1Value(
        "select json_object('name', name, 'erased', erased_at is not null) from tenants where id = 'org_lcgone'",
      );
      const roles = await service.d1Value(
        "select group_concat(id || ':' || coalesce(role, '-'), ',') from (select * from organization_memberships order by id)",
      );
      const traces = await victimTraces();
      const exp = await exportOf(VICTIM);
      const living = await exportOf(users[0] as string);
      const st = await storage();
      observe(
        `erased ${run.detail.tenantsErased}, archived ${run.archived}, deleted ${run.deleted}; victim ${victim}, org ${gone}; ` +
          `memberships ${roles}; victim traces in D1: ${traces.length}; export victim ${exp.status} [${exp.kinds}], ` +
          `user ${living.status} [${living.kinds}]; storage ${st?.status} lastError ${st?.lifecycle?.lastError} pending ${st?.lifecycle?.pending}`,
      );
      expect(run.detail.tenantsErased).toBe(2);
      expect(victim).toBe('{"email":null,"erased":1}');
      expect(gone).toBe('{"name":null,"erased":1}');
      expect(roles).toBe('orgmem_lc1:org:member,orgmem_lc2:-,orgmem_lc3:-,orgmem_lc4:-');
      expect(traces).toEqual([]);
      expect(after.records).toBe(before.records); // records kept (14 days)
      expect(after.audits).toBe(N); // the victim's 2 audits left D1 for its deleted archive; the rest stay hot
      expect(exp.status).toBe(200);
      expect(exp.text).toContain(EMAIL);
      for (const ip of VICTIM_IPS) expect(exp.text).toContain(ip);
      expect(living.kinds).toEqual(['tenant', 'membership', 'audit']);
      expect([st?.status, st?.lifecycle?.lastError, st?.lifecycle?.pending]).toEqual(['ok', null, 0]);
    },
  );

  check(
    '+10 days',
    'payloads dropped (3 d), records (14 d) and audits kept; export and readiness unchanged',
    async (observe) => {
      const run = await cronAt(10);
      const t = await tally();
      const exp = await exportOf(VICTIM);
      const st = await storage();
      observe(
        `payloadsDropped ${run.detail.payloadsDropped}; ${t.payloads} payloads, ${t.records} records, ${t.audits} audits; ` +
          `export victim ${exp.status} (${exp.kinds.length} lines); storage ${st?.status} pending ${st?.lifecycle?.pending}`,
      );
      expect(run.detail.payloadsDropped).toBeGreaterThan(0);
      expect(t.payloads).toBe(0);
      expect(t.audits).toBe(N);
      expect(exp.status).toBe(200);
      expect(exp.text).toContain(EMAIL);
      expect(await victimTraces()).toEqual([]);
      expect([st?.status, st?.lifecycle?.lastError, st?.lifecycle?.pending]).toEqual(['ok', null, 0]);
    },
  );

  check(
    '+100 days',
    'records deleted (14 d), audits archived (90 d), deleted archive expired (30 d); export from R2',
    async (observe) => {
      const run = await cronAt(100);
      const t = await tally();
      const exp = await exportOf(VICTIM);
      const living = await exportOf(users[0] as string);
      const st = await storage();
      observe(
        `recordsDeleted ${run.detail.recordsDeleted}, auditsArchived ${run.detail.auditsArchived}, objectsExpired ` +
          `${run.detail.objectsExpired}; ${t.records} records, ${t.audits} audits; export victim ${exp.status} ` +
          `[${exp.kinds}], user ${living.status} [${living.kinds}]; storage ${st?.status} pending ${st?.lifecycle?.pending}`,
      );
      expect([t.records, t.audits]).toEqual([0, 0]);
      expect(run.detail.auditsArchived).toBe(N);
      expect(run.detail.objectsExpired).toBeGreaterThan(0);
      expect(exp.text).not.toContain(EMAIL);
      for (const ip of VICTIM_IPS) expect(exp.text).not.toContain(ip);
      expect(living.status).toBe(200);
      expect(living.kinds).toEqual(['tenant', 'membership', 'audit']); // the audit now from audit/<tenant>/ in R2
      expect(await victimTraces()).toEqual([]);
      expect([st?.status, st?.lifecycle?.lastError, st?.lifecycle?.pending]).toEqual(['ok', null, 0]);
    },
  );
});
