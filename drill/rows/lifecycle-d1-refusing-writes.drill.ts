// Runbook: "D1 refusing writes" (full or overloaded). Every table the service writes refuses inserts and
// updates (triggers added from outside, through wrangler's platform proxy on the same local D1): webhooks
// answer 503 storage_unavailable with Retry-After and apply nothing; a known caller keeps authenticating and
// forwarding through the gateway; a new user's just-in-time tenant is served unsaved, never a 5xx. Then D1
// accepts writes again and Svix's retries apply every event exactly once.
import { Webhook } from 'svix';
import { expect } from 'vitest';
import { svixHeaders } from '../../scripts/lib/sign.ts';
import { sessionCreated, userCreated } from '../support/clerk-events.ts';
import { check, count, drillRow, pool, QUICK } from '../support/drill.ts';
import { gatewayVars, originVerifier, signingKey } from '../support/gateway.ts';
import { WEBHOOK_SECRET } from '../support/service.ts';

const N = QUICK ? 20 : 100;
const signer = new Webhook(WEBHOOK_SECRET);
type Delivery = [svixId: string, event: object];

drillRow('d1-refusing-writes', ({ clerk, service, origin }) => {
  const key = signingKey('ed25519').jwk;
  const verifier = originVerifier(service, origin);
  const t0 = Date.now();
  const known = 'user_d1known';
  const events: Delivery[] = [];
  for (let i = 0; i < 5; i++) {
    events.push([`msg_d1_u${i}`, userCreated(`user_d1new${i}`, t0 + i)]);
    events.push([`msg_d1_s${i}`, sessionCreated(`sess_d1new${i}`, `user_d1new${i}`, t0 + 10 + i)]);
  }
  let restore: (() => Promise<void>) | undefined;

  const post = (svixId: string, event: object) => {
    const body = JSON.stringify(event);
    return service.post('/api/webhooks/clerk', svixHeaders(signer, svixId, body), body);
  };
  const written = async () => ({
    tenants: await service.d1Count("select count(*) from tenants where id like 'user_d1new%'"),
    audits: await service.d1Count("select count(*) from login_audits where session_id like 'sess_d1new%'"),
    events: await service.d1Count("select count(*) from webhook_events where svix_id like 'msg_d1_%'"),
  });

  check('warm-up', 'the known caller: webhook stored, /v1/me 200, forwarded 200', async (observe) => {
    await service.boot({ fresh: true, vars: gatewayVars(origin, { key }) });
    const stored = (await post('msg_warm_known', userCreated(known, t0 - 1000))).status;
    const me = (await service.get('/v1/me', clerk.mint({ userId: known }))).status;
    const forwarded = (await service.get('/api/warm', clerk.mint({ userId: known }))).status;
    observe(`webhook ${stored}, /v1/me ${me}, gateway ${forwarded}`);
    expect([stored, me, forwarded]).toEqual([200, 200, 200]);
  });

  check(
    'webhooks refused',
    `${events.length}/${events.length} 503 storage_unavailable + Retry-After; nothing written`,
    async (observe) => {
      const { results } = await service.d1
        .prepare(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' " +
            "and name <> 'd1_migrations'",
        )
        .all<{ name: string }>();
      restore = await service.failWrites(results.map((r) => r.name));
      const replies = await pool(events, 5, ([id, e]) => post(id, e));
      const refused = count(
        replies,
        (r) =>
          r.status === 503 && r.body?.error?.code === 'storage_unavailable' && Number(r.headers.get('retry-after')) > 0,
      );
      const after = await written();
      observe(
        `${refused}/${events.length} 503 storage_unavailable, retry-after ${replies[0]?.headers.get('retry-after')}; ` +
          `written: ${after.tenants} tenants, ${after.audits} audits, ${after.events} events (${results.length} tables refusing)`,
      );
      expect(refused).toBe(events.length);
      expect(after).toEqual({ tenants: 0, audits: 0, events: 0 });
    },
  );

  check('known caller', `${N}/${N} /v1/me 200 and ${N}/${N} forwarded with a verifying assertion`, async (observe) => {
    const before = origin.hits.length;
    const me = await pool(
      Array.from({ length: N }),
      5,
      async () => (await service.get('/v1/me', clerk.mint({ userId: known }))).status,
    );
    const gw = await pool(
      Array.from({ length: N }),
      5,
      async (_, i) => (await service.get(`/api/items/${i}`, clerk.mint({ userId: known }))).status,
    );
    const hits = origin.hits.slice(before);
    const verified = await pool(hits, 5, (h) => verifier.verify(h.assertion));
    observe(
      `/v1/me ${count(me, (s) => s === 200)}/${N} 200; gateway ${count(gw, (s) => s === 200)}/${N} 200, ` +
        `${hits.length} at the origin, ${count(verified, (v) => v.ok)} verified`,
    );
    expect([count(me, (s) => s === 200), count(gw, (s) => s === 200), count(verified, (v) => v.ok)]).toEqual([N, N, N]);
  });

  check('new user, just in time', 'no 5xx: /v1/me and the gateway 200, served unsaved (no row)', async (observe) => {
    const me = await service.get('/v1/me', clerk.mint({ userId: 'user_d1jit' }));
    const gw = await service.get('/api/jit', clerk.mint({ userId: 'user_d1jit2' }));
    const rows = await service.d1Count("select count(*) from tenants where id like 'user_d1jit%'");
    const logged = service.logs.filter((l) => l.includes('tenant.jit_write_failed')).length;
    observe(`/v1/me ${me.status}, gateway ${gw.status}; ${rows} rows; ${logged} tenant.jit_write_failed logged`);
    expect([me.status, gw.status, rows]).toEqual([200, 200, 0]);
  });

  check(
    'D1 accepts writes again',
    "Svix's retries 2xx; each event applied once; the new user's next request stores it",
    async (observe) => {
      await restore?.();
      restore = undefined;
      const first = await pool(events, 5, async ([id, e]) => (await post(id, e)).status);
      const again = await pool(events, 5, async ([id, e]) => (await post(id, e)).status);
      const after = await written();
      const jit = (await service.get('/v1/me', clerk.mint({ userId: 'user_d1jit' }))).status;
      const jitRow = await service.d1Count("select count(*) from tenants where id = 'user_d1jit'");
      observe(
        `retries ${[...new Set(first)].join(',')}, again ${[...new Set(again)].join(',')}; ${after.tenants} tenants, ` +
          `${after.audits} audits, ${after.events} events; new user ${jit}, ${jitRow} row`,
      );
      expect([...first, ...again].every((s) => s === 200)).toBe(true);
      expect(after).toEqual({ tenants: 5, audits: 5, events: 10 });
      expect([jit, jitRow]).toEqual([200, 1]);
    },
  );
});
