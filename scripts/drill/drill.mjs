// `npm run drill`: the runbook's failure modes, drilled against the real service.
// Starts a fake Clerk Backend API and `wrangler dev` on 127.0.0.1, runs each scenario
// over HTTP and prints a table of scenario, expectation, result. Every loop is bounded
// in count and time; everything stops by itself. Exit code 1 if a scenario fails.
//   npm run drill              all scenarios
//   npm run drill -- --quick   a CI-sized subset (smaller soak)
//   npm run drill -- rotation  scenarios whose name contains "rotation"

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Webhook } from 'svix';
import { svixHeaders } from '../lib/sign.mjs';
import { startFakeClerk } from './fake-clerk.mjs';
import { createServiceDir, freePort, startService } from './service.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const filters = args.filter((a) => !a.startsWith('--'));
const WEBHOOK_SECRET = 'whsec_ZHJpbGwtd2ViaG9vay1zaWduaW5nLXNlY3JldA==';
const ADMIN = 'user_drill_admin';
const SCENARIO_TIMEOUT_MS = 300_000;
// Ctrl-C or a kill: exit, which runs service.mjs's exit hooks (wrangler dev stopped, temp folder removed).
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

const results = [];
let fake;
let dir;
let service;

function vars() {
  return {
    CLERK_SECRET_KEY: fake.secretKey,
    CLERK_WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    CLERK_API_URL: fake.url,
    ADMIN_USER_IDS: ADMIN,
  };
}

async function boot({ fresh = false } = {}) {
  if (service) await service.stop();
  if (fresh || !dir) {
    dir?.remove();
    dir = createServiceDir(vars());
  }
  service = await startService(dir, { port: Number(process.env.DRILL_PORT) || (await freePort()) });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function get(path, token, headers = {}) {
  const res = await fetch(`${service.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
async function pool(items, concurrency, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

const count = (xs, pred) => xs.filter(pred).length;

/**
 * A token whose `kid` Clerk never issued: the service answers it with a (cooldown-limited)
 * refresh from Clerk, as it would for a real rotation. The service contacts Clerk only when it
 * needs keys, so this is how a drill (or an operator's probe) makes it notice an outage.
 */
function unknownKidToken() {
  const header = { alg: 'RS256', kid: `ins_unknown_${Date.now()}`, typ: 'JWT', cat: 'cl_B7d4PD111AAA' };
  return fake.mint().replace(/^[^.]+/, Buffer.from(JSON.stringify(header)).toString('base64url'));
}

export function adminToken() {
  return fake.mint({ userId: ADMIN, claims: { fva: [0, 0] } });
}

const signer = new Webhook(WEBHOOK_SECRET);
/** Signs like Svix: same `svix-id` on every retry, a fresh timestamp and signature each time. */
function signedDelivery(svixId, event) {
  const body = JSON.stringify(event);
  return { body, headers: svixHeaders(signer, svixId, body) };
}

async function deliver(svixId, event) {
  const { body, headers } = signedDelivery(svixId, event);
  const res = await fetch(`${service.url}/api/webhooks/clerk`, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

function userCreated(userId, t) {
  return {
    type: 'user.created',
    object: 'event',
    timestamp: t,
    data: {
      id: userId,
      object: 'user',
      first_name: 'Drill',
      last_name: userId,
      primary_email_address_id: `idn_${userId}`,
      email_addresses: [{ id: `idn_${userId}`, email_address: `${userId}@drill.test` }],
      created_at: t,
      updated_at: t,
    },
  };
}

function sessionCreated(sessionId, userId, t) {
  return {
    type: 'session.created',
    object: 'event',
    timestamp: t,
    data: {
      id: sessionId,
      object: 'session',
      user_id: userId,
      status: 'active',
      created_at: t,
      updated_at: t,
      expire_at: t + 86_400_000,
      abandon_at: t + 86_400_000 * 30,
      last_active_at: t,
    },
    event_attributes: { http_request: { client_ip: '127.0.0.1', user_agent: 'drill' } },
  };
}

/** Holds an exclusive SQLite lock on the service's local D1 file: a real storage failure. */
function lockD1() {
  const db = new DatabaseSync(d1File());
  db.exec('PRAGMA busy_timeout = 0');
  db.exec('BEGIN EXCLUSIVE');
  return () => {
    db.exec('ROLLBACK');
    db.close();
  };
}

/**
 * The operator's fault injector: a trigger on the local D1 file (from another process, as a
 * broken migration would) that makes every write to tenants and login_audits abort, while
 * webhook_events still accepts writes. Returns a function that drops it.
 */
function addFault() {
  const db = new DatabaseSync(d1File());
  db.exec('PRAGMA busy_timeout = 5000');
  for (const table of ['tenants', 'login_audits']) {
    for (const op of ['INSERT', 'UPDATE']) {
      db.exec(`CREATE TRIGGER drill_fault_${table}_${op} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'drill fault'); END;`);
    }
  }
  return () => {
    for (const table of ['tenants', 'login_audits'])
      for (const op of ['INSERT', 'UPDATE']) db.exec(`DROP TRIGGER drill_fault_${table}_${op}`);
    db.close();
  };
}

function d1File() {
  const base = join(dir.dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(base).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  return join(base, file);
}

/** Polls `pred` until true or `ms` elapse (bounded); returns whether it became true. */
async function waitFor(pred, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (pred()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

/** Reads one value from the local D1 directly (read-only). */
function d1Value(sql, ...params) {
  const db = new DatabaseSync(d1File(), { readOnly: true });
  try {
    return Object.values(db.prepare(sql).get(...params) ?? {})[0];
  } finally {
    db.close();
  }
}

/** An exact count from the local D1. */
const d1Count = (sql, ...params) => Number(d1Value(sql, ...params));

function check(name, expectation, ok, detail) {
  results.push({ name, expectation, ok, detail });
}

const scenarios = [];
const scenario = (name, fn) => scenarios.push({ name, fn });

// ── Clerk down, keys warm in KV ──────────────────────────────────────────────
scenario('clerk-down-warm-kv', async () => {
  await fake.setMode('up');
  await boot({ fresh: true });
  const warm = await get('/v1/me', fake.mint());
  check('warm-up', 'valid token 200 while Clerk is up', warm.status === 200, `status ${warm.status}`);
  await fake.setMode('down');
  const n = QUICK ? 100 : 500;
  const before = await pool(
    Array.from({ length: n }, () => fake.mint()),
    10,
    (t) => get('/v1/me', t).then((r) => r.status),
  );
  check(
    'clerk down, same isolate',
    `${n}/${n} valid tokens 200`,
    count(before, (s) => s === 200) === n,
    `${count(before, (s) => s === 200)}/${n} 200`,
  );
  await boot(); // restart wrangler dev: new isolates, same KV
  const after = await pool(
    Array.from({ length: n }, () => fake.mint()),
    10,
    (t) => get('/v1/me', t).then((r) => r.status),
  );
  check(
    'clerk down, after restart',
    `${n}/${n} valid tokens 200 (keys from KV)`,
    count(after, (s) => s === 200) === n,
    `${count(after, (s) => s === 200)}/${n} 200`,
  );
  const probe = await get('/v1/me', unknownKidToken()); // forces one refresh attempt; Clerk is down
  const ready = await get('/health/ready');
  const keys = ready.body?.checks?.keys ?? {};
  check(
    'unknown kid, Clerk down',
    '401 (not 503: keys are cached)',
    probe.status === 401,
    `status ${probe.status} ${probe.body?.error?.code}`,
  );
  check(
    'clerk down, readiness',
    'ready says degraded, keys.servingStale',
    ready.body?.status === 'degraded' && keys.servingStale === true,
    `status ${ready.body?.status}, keys ${JSON.stringify(keys)}`,
  );
  await fake.setMode('up');
});

// ── Clerk down, nothing cached ───────────────────────────────────────────────
scenario('clerk-down-cold', async () => {
  await fake.setMode('down');
  await boot({ fresh: true });
  const res = await get('/v1/me', fake.mint());
  check(
    'cold cache, Clerk down',
    '503 auth_unavailable + Retry-After',
    res.status === 503 && res.body?.error?.code === 'auth_unavailable' && Boolean(res.headers.get('retry-after')),
    `status ${res.status} ${res.body?.error?.code} retry-after=${res.headers.get('retry-after')}`,
  );
  await fake.setMode('up');
  const start = Date.now();
  let status = 0;
  while (Date.now() - start < 45_000) {
    status = (await get('/v1/me', fake.mint())).status;
    if (status === 200) break;
    await sleep(1000);
  }
  check('Clerk back', 'recovers without restart', status === 200, `status ${status} after ${((Date.now() - start) / 1000).toFixed(1)} s`);
});

// ── Clerk slow or answering garbage, nothing cached ─────────────────────────
scenario('clerk-slow-garbage', async () => {
  for (const [mode, kind] of [
    ['slow', 'clerk_unreachable'],
    ['garbage', 'bad_response'],
    ['error', 'clerk_unreachable'],
  ]) {
    await fake.setMode(mode);
    await boot({ fresh: true });
    const started = Date.now();
    const res = await get('/v1/me', fake.mint());
    const ms = Date.now() - started;
    const keys = (await get('/health/ready')).body?.checks?.keys ?? {};
    check(
      `Clerk ${mode}, cold`,
      `503 auth_unavailable${mode === 'slow' ? ' (the service gives up before Clerk answers, 8 s)' : ''}; ready names ${kind}`,
      res.status === 503 &&
        res.body?.error?.code === 'auth_unavailable' &&
        keys.lastRefreshError === kind &&
        (mode !== 'slow' || ms < 8000),
      `status ${res.status} in ${ms} ms; keys.status ${keys.status}, lastRefreshError ${keys.lastRefreshError}`,
    );
  }
  await fake.setMode('up');
});

// ── Invalid secret key ───────────────────────────────────────────────────────
scenario('secret-key-invalid', async () => {
  await fake.setMode('up');
  await boot({ fresh: true });
  await get('/v1/me', fake.mint()); // warm: keys fetched from Clerk into KV
  await boot(); // new isolate, same KV: keys warm, no refresh cooldown in memory
  await get('/v1/me', fake.mint());
  await fake.setMode('unauthorized'); // the secret key was revoked
  const logStart = service.logs.length;
  // An unknown kid forces a refresh attempt; Clerk answers 401.
  const forged = unknownKidToken();
  const forgedStatus = (await get('/v1/me', forged)).status;
  const ready = await get('/health/ready');
  const keys = ready.body?.checks?.keys ?? {};
  check(
    'invalid key named',
    'ready names secret_key_invalid',
    JSON.stringify(ready.body).includes('secret_key_invalid'),
    `unknown kid → ${forgedStatus}; keys ${JSON.stringify(keys)}`,
  );
  const valid = await pool(
    Array.from({ length: 50 }, () => fake.mint()),
    5,
    (t) => get('/v1/me', t).then((r) => r.status),
  );
  check(
    'cached keys still verify',
    '50/50 valid tokens 200',
    count(valid, (s) => s === 200) === 50,
    `${count(valid, (s) => s === 200)}/50`,
  );
  await pool(Array.from({ length: 20 }), 5, () => get('/health/ready'));
  await pool(Array.from({ length: 20 }), 5, () => get('/v1/me', unknownKidToken()));
  const stateLines = service.logs
    .slice(logStart)
    .filter((l) => l.includes('"event":"auth.keys.refresh_failed"') && l.includes('secret_key_invalid'));
  check(
    'one log line per state change',
    'exactly 1 auth.keys.refresh_failed {kind: secret_key_invalid} over 91 requests',
    stateLines.length === 1,
    `${stateLines.length} line(s)`,
  );
  await fake.setMode('up');
});

// ── Key rotation ─────────────────────────────────────────────────────────────
scenario('key-rotation', async () => {
  await fake.setMode('up');
  await boot({ fresh: true });
  const oldKid = fake.kids[0];
  await get('/v1/me', fake.mint()); // warm: keys fetched from Clerk into KV
  await boot(); // new isolate, same KV: keys warm, outside the warm-up's refresh cooldown
  await get('/v1/me', fake.mint());
  const callsBefore = fake.calls.jwks;
  const newKid = fake.rotate({ keepOld: true });
  const rotated = await pool(
    Array.from({ length: 20 }, () => fake.mint({ kid: newKid })),
    10,
    (t) => get('/v1/me', t).then((r) => r.status),
  );
  const refreshes = fake.calls.jwks - callsBefore;
  check(
    'new kid',
    'accepted after ≤ 1 refresh',
    count(rotated, (s) => s === 200) === 20 && refreshes <= 1,
    `${count(rotated, (s) => s === 200)}/20 200, ${refreshes} Clerk fetch(es)`,
  );
  // A token verified (and remembered by the isolate's result cache) before its key is removed.
  const seenBefore = fake.mint({ kid: oldKid });
  const oldStill = await get('/v1/me', seenBefore);
  check('old kid during overlap', 'still accepted while listed', oldStill.status === 200, `status ${oldStill.status}`);
  fake.removeKey(oldKid);
  // The next refresh (a newer kid, after the unknown-kid cooldown) drops the removed key.
  await sleep(31_000);
  const newest = fake.rotate({ keepOld: true });
  const n = await get('/v1/me', fake.mint({ kid: newest }));
  const removed = await get('/v1/me', fake.mint({ kid: oldKid }));
  const removedSeen = await get('/v1/me', seenBefore);
  check(
    'removed kid',
    'rejected (401) after the refresh, also a token verified before',
    n.status === 200 && removed.status === 401 && removedSeen.status === 401,
    `newest ${n.status}, removed ${removed.status}, seen before ${removedSeen.status}`,
  );
});

// ── Webhook failure ──────────────────────────────────────────────────────────
scenario('webhook-failure', async () => {
  await fake.setMode('up');
  await boot({ fresh: true });
  const t0 = Date.now();
  // Clerk's ids are `user_` + alphanumerics (reconciliation validates them).
  const events = [];
  for (let i = 0; i < 10; i++) {
    events.push([`msg_drill_u${i}`, userCreated(`user_wh${i}`, t0 + i)]);
    events.push([`msg_drill_s${i}`, sessionCreated(`sess_wh${i}`, `user_wh${i}`, t0 + 100 + i)]);
  }
  // 1. D1 locked by another writer: nothing can be written, not even the failure record.
  const unlock = lockD1();
  let during;
  try {
    during = await pool(events, 5, ([id, e]) => deliver(id, e));
  } finally {
    unlock();
  }
  check(
    'storage failing',
    'every delivery 5xx',
    during.every((s) => s >= 500),
    `statuses ${[...new Set(during)].join(',')}`,
  );
  const after = await pool([...events, ...events], 5, ([id, e]) => deliver(id, e)); // Svix retries, twice
  check(
    'redelivered',
    'all 2xx',
    after.every((s) => s >= 200 && s < 300),
    `statuses ${[...new Set(after)].join(',')}`,
  );
  const tenants = d1Count("select count(*) from tenants where id like 'user_wh%'");
  const audits = d1Count("select count(*) from login_audits where session_id like 'sess_wh%'");
  check('exactly once', '10 tenants, 10 audits', tenants === 10 && audits === 10, `${tenants} tenants, ${audits} audits`);

  // 2. Effects failing while D1 still answers: each delivery is recorded as `failed`.
  const failing = [];
  for (let i = 0; i < 4; i++) {
    failing.push([`msg_drill_fu${i}`, userCreated(`user_whf${i}`, t0 + 200 + i)]);
    failing.push([`msg_drill_fs${i}`, sessionCreated(`sess_whf${i}`, `user_whf${i}`, t0 + 300 + i)]);
  }
  // Clerk's truth for reconciliation: every user but user_gone1, deleted in Clerk while its
  // user.deleted webhook was lost (Svix gave up): the cron's reconciliation must archive it.
  const goneStatus = await deliver('msg_drill_gone1', userCreated('user_gone1', t0 + 50));
  for (let i = 0; i < 10; i++) fake.users.push(userCreated(`user_wh${i}`, t0 + i).data);
  for (let i = 0; i < 4; i++) fake.users.push(userCreated(`user_whf${i}`, t0 + 200 + i).data);
  const drop = addFault();
  let faulted;
  try {
    faulted = await pool(failing, 4, ([id, e]) => deliver(id, e));
  } finally {
    drop();
  }
  check(
    'effects failing',
    'every delivery 5xx',
    faulted.every((s) => s >= 500),
    `statuses ${[...new Set(faulted)].join(',')}`,
  );
  const admin = { authorization: `Bearer ${adminToken()}` };
  const listed = await get('/v1/admin/webhooks?status=failed&limit=100', undefined, admin);
  const failedIds = (listed.body?.items ?? []).map((e) => e.svixId).sort();
  check(
    'failed events visible',
    'GET /v1/admin/webhooks?status=failed lists all 8',
    listed.status === 200 && failedIds.length === 8 && failedIds.every((id) => id.startsWith('msg_drill_f')),
    `status ${listed.status}, ${failedIds.length} failed, attempts ${[...new Set((listed.body?.items ?? []).map((e) => e.attempts))]}`,
  );
  const replay = await fetch(`${service.url}/v1/admin/webhooks/msg_drill_fu0/replay`, { method: 'POST', headers: admin });
  const replayBody = await replay.json().catch(() => ({}));
  check(
    'admin replay',
    'POST …/msg_drill_fu0/replay ⇒ processed',
    replay.status === 200 && replayBody.outcome === 'processed',
    `status ${replay.status}, outcome ${replayBody.outcome}, event.status ${replayBody.event?.status}`,
  );
  // The cron once the backoff (1 min after the first failure) is due. wrangler dev's /__scheduled
  // ignores a `time` parameter (its middleware passes only `cron`), so the drill waits for real.
  const due = d1Count("select max(next_attempt_at) from webhook_events where status = 'failed'");
  await sleep(Math.min(Math.max(0, due - Date.now()) + 1000, 75_000));
  const cron = await fetch(`${service.url}/__scheduled?cron=${encodeURIComponent('*/10 * * * *')}`);
  await cron.text();
  const stillFailed = await waitFor(() => d1Count("select count(*) from webhook_events where status = 'failed'") === 0, 20_000);
  const fTenants = d1Count("select count(*) from tenants where id like 'user_whf%'");
  const fAudits = d1Count("select count(*) from login_audits where session_id like 'sess_whf%'");
  check(
    'cron retry',
    'no failed events left; 4 tenants, 4 audits',
    cron.status === 200 && stillFailed && fTenants === 4 && fAudits === 4,
    `cron ${cron.status}, failed left ${d1Count("select count(*) from webhook_events where status = 'failed'")}, ${fTenants} tenants, ${fAudits} audits`,
  );
  const again = await pool(failing, 4, ([id, e]) => deliver(id, e)); // Svix's own retries arrive after all
  const total = d1Count("select count(*) from tenants where id like 'user_wh%'");
  const totalAudits = d1Count("select count(*) from login_audits where session_id like 'sess_wh%'");
  check(
    'late redeliveries',
    '2xx duplicates; still 14 tenants, 14 audits',
    again.every((s) => s === 200) && total === 14 && totalAudits === 14,
    `statuses ${[...new Set(again)].join(',')}; ${total} tenants, ${totalAudits} audits`,
  );
  const archived = await waitFor(() => d1Count("select count(*) from tenants where status = 'archived'") === 1, 10_000);
  const gone = d1Value("select status from tenants where id = 'user_gone1'");
  check(
    'reconciliation',
    'the user deleted in Clerk (404) archived, no other',
    goneStatus === 200 && archived && gone === 'archived',
    `${d1Count("select count(*) from tenants where status = 'archived'")} archived (user_gone1: ${gone})`,
  );
});

// ── Soak ─────────────────────────────────────────────────────────────────────
scenario('soak', async () => {
  await fake.setMode('up');
  await boot({ fresh: true });
  const total = QUICK ? 4000 : 20_000;
  const t0 = Date.now();
  const valid = Array.from({ length: 5 }, (_, i) => fake.mint({ userId: `user_soak_${i}`, ttl: 3600 }));
  const mix = [];
  const sent = new Set();
  for (let i = 0; i < total; i++) {
    const r = i % 10;
    if (r < 5) mix.push({ kind: 'valid', token: valid[i % valid.length] });
    else if (r < 7) mix.push({ kind: 'invalid', token: `${valid[0].slice(0, -6)}AAAAAA` });
    else {
      const n = Math.floor(i / 10) % Math.max(1, Math.floor(total / 40));
      const id = `msg_soak_${n}`;
      sent.add(n);
      mix.push({ kind: 'webhook', id, event: userCreated(`user_soakwh_${n}`, t0 + n) });
    }
  }
  const started = Date.now();
  const statuses = await pool(mix, 16, async (m) => {
    if (m.kind === 'webhook') return [m.kind, await deliver(m.id, m.event)];
    return [m.kind, (await get('/v1/me', m.token)).status];
  });
  const unexpected = statuses.filter(([k, s]) => (k === 'valid' ? s !== 200 : k === 'invalid' ? s !== 401 : s !== 200));
  const seconds = (Date.now() - started) / 1000;
  check(
    'soak statuses',
    `${total} mixed requests, no unexpected status`,
    unexpected.length === 0,
    `${unexpected.length} unexpected ${JSON.stringify(unexpected.slice(0, 3))}; ${(total / seconds).toFixed(0)} req/s`,
  );
  const tenants = d1Count("select count(*) from tenants where id like 'user_soakwh_%'");
  const events = d1Count("select count(*) from webhook_events where svix_id like 'msg_soak_%'");
  check(
    'soak D1 counts',
    `${sent.size} tenants and events (duplicates folded)`,
    tenants === sent.size && events === sent.size,
    `${tenants} tenants, ${events} events`,
  );
});

async function main() {
  fake = await startFakeClerk();
  const selected = scenarios.filter((s) => filters.length === 0 || filters.some((f) => s.name.includes(f)));
  try {
    for (const s of selected) {
      const before = results.length;
      const started = Date.now();
      let timer;
      try {
        await Promise.race([
          s.fn(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('scenario timed out')), SCENARIO_TIMEOUT_MS);
          }),
        ]);
      } catch (err) {
        check(s.name, 'completes', false, String(err?.message ?? err).slice(0, 200));
      } finally {
        clearTimeout(timer);
      }
      for (const r of results.slice(before)) r.scenario = s.name;
      console.error(`drill: ${s.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await service?.stop();
    await fake.close();
    dir?.remove();
  }
  const rows = results.map(
    (r) => `| ${r.scenario} | ${r.name} | ${r.expectation} | ${r.ok ? 'PASS' : 'FAIL'} | ${String(r.detail).replace(/\|/g, '/')} |`,
  );
  console.log(['| scenario | check | expectation | result | observed |', '|---|---|---|---|---|', ...rows].join('\n'));
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

await main();
