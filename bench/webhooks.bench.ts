// Webhook throughput and D1 round trips, against the real worker in Miniflare (workerd) from
// Node, bundled by wrangler. 5,000 mixed, really signed Clerk events are POSTed over
// 127.0.0.1 to the real route, and the same bodies to a verify-only endpoint (same
// middleware, body read, Svix verification, parse; no storage) in the same run, alternating,
// medians of repeats. Bounded: fixed event counts, a timeout per request; stops by itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { Webhook } from 'svix';
import { applyMigrations, type D1Like } from '../scripts/lib/migrations.ts';
import { svixHeaders } from '../scripts/lib/sign.ts';
import { sessionEvent, userCreated } from './lifecycle/traffic.ts';
import { median } from './support/stats.ts';
import { COMPATIBILITY_DATE, miniflare } from './support/workerd.ts';

export const title = 'Webhooks: throughput and D1 round trips';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const CONCURRENCY = 16;
const COUNTED_EVENTS = 1000;
const SECRET = 'whsec_YmVuY2htYXJrLXNpZ25pbmctc2VjcmV0LTMyYnl0ZXM=';
const root = new URL('..', import.meta.url);
const out = new URL('../.bench-tmp/webhooks/', import.meta.url);

function bundle() {
  mkdirSync(out, { recursive: true });
  execFileSync('npx', ['wrangler', 'deploy', 'bench/webhooks-worker.ts', '--dry-run', '--outdir', out.pathname], {
    cwd: root,
    stdio: 'pipe',
  });
  const file = readdirSync(out).find((f) => f.endsWith('.js'));
  if (!file) throw new Error('wrangler produced no bundle');
  return new URL(file, out).pathname;
}

async function start(scriptPath: string) {
  const mf = miniflare({
    modules: true,
    scriptPath,
    compatibilityDate: COMPATIBILITY_DATE,
    d1Databases: { DB: 'bench-webhooks' },
    kvNamespaces: ['JWKS_CACHE'],
    bindings: {
      CLERK_SECRET_KEY: 'sk_test_bench',
      CLERK_PUBLISHABLE_KEY: 'pk_test_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk',
      CLERK_WEBHOOK_SIGNING_SECRET: SECRET,
    },
    host: '127.0.0.1',
    port: 0,
    // The worker logs one JSON line per request: swallow them, do not print them.
    handleStructuredLogs() {},
  });
  const url = await mf.ready;
  // Miniflare types the binding with workerd's types, which a Node project does not load.
  const db = (await mf.getD1Database('DB')) as unknown as D1Like;
  await applyMigrations(db);
  return { mf, url, db };
}

/** A mixed stream over ~EVENTS/10 users: profiles, sessions, orgs, memberships, deletes. */
function mixedEvents(run: string, count: number): string[] {
  const events: object[] = [];
  const base = Date.now();
  for (let i = 0; i < count; i++) {
    const userOf = (j: number) => `user_${run}_${j % Math.ceil(count / 10)}`;
    const u = userOf(i);
    const kind = i % 10;
    const at = base + i;
    const http = { http_request: { client_ip: '203.0.113.9', user_agent: 'bench/1.0' } };
    const ev = (type: string, data: object) => ({ object: 'event', type, timestamp: at, data, event_attributes: http });
    const user = {
      id: u,
      first_name: 'Bench',
      last_name: `${i}`,
      primary_email_address_id: 'e',
      email_addresses: [{ id: 'e', email_address: `${u}@bench.test` }],
    };
    if (kind <= 1) events.push(ev(kind === 0 ? 'user.created' : 'user.updated', user));
    else if (kind <= 5)
      events.push(ev('session.created', { id: `sess_${run}_${i}`, user_id: u, created_at: at, status: 'active' }));
    else if (kind === 6)
      events.push(ev('session.ended', { id: `sess_${run}_${i - 4}`, user_id: userOf(i - 4), created_at: at - 4 }));
    else if (kind === 7)
      events.push(ev('organization.created', { id: `org_${run}_${i % 50}`, name: 'Org', slug: `org-${i % 50}` }));
    else if (kind === 8)
      events.push(
        ev('organizationMembership.created', {
          id: `orgmem_${run}_${i}`,
          role: 'org:member',
          permissions: ['org:a'],
          organization: { id: `org_${run}_${i % 50}` },
          public_user_data: { user_id: u },
        }),
      );
    else events.push(ev(i % 20 === 9 ? 'user.deleted' : 'email.created', { id: u, deleted: true }));
  }
  return events.map((e) => JSON.stringify(e));
}

type Signed = { body: string; headers: Record<string, string> };

function sign(bodies: string[], prefix: string): Signed[] {
  const wh = new Webhook(SECRET);
  const now = new Date();
  return bodies.map((body, i) => {
    return { body, headers: svixHeaders(wh, `msg_${prefix}_${i}`, body, now) };
  });
}

/** POSTs every request with bounded concurrency; returns events/s and status counts. */
async function blast(url: URL, requests: Signed[]) {
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const r = requests[next++];
        if (!r) break;
        const res = await fetch(url, {
          method: 'POST',
          headers: r.headers,
          body: r.body,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rate: requests.length / seconds, statuses };
}

/**
 * What gzip-compressing a stored payload costs in workerd, per webhook: Clerk's sample payloads (the lifecycle
 * bench's, with an email address) compressed `GZIP_N` times inside one request, timed from here against the same
 * request compressing nothing, rounds interleaved; bytes before and after.
 */
const GZIP_N = 200;
async function measureGzip(url: string) {
  const at = Date.now();
  const bodies = [
    userCreated('user_2benchgzip000000000000000', at),
    sessionEvent('session.created', 'sess_2benchgzip000000000000000', 'user_2benchgzip000000000000000', at),
    sessionEvent('session.ended', 'sess_2benchgzip000000000000000', 'user_2benchgzip000000000000000', at),
  ].map((e) => JSON.stringify(e));
  const timed = async (body: string, n: number, op: string) => {
    const started = performance.now();
    const res = await fetch(`${url}__bench/gzip?n=${n}&op=${op}`, { method: 'POST', body });
    const sizes = (await res.json()) as { raw: number; gzip: number };
    return { ms: performance.now() - started, ...sizes };
  };
  const per: Record<string, number[]> = { gzip: [], both: [] };
  const sizes: { raw: number; gzip: number }[] = [];
  for (let r = 0; r < 7; r++)
    for (const body of bodies)
      for (const op of r % 2 ? ['both', 'gzip'] : ['gzip', 'both']) {
        const base = await timed(body, 0, op);
        const run = await timed(body, GZIP_N, op);
        (per[op] as number[]).push(((run.ms - base.ms) * 1000) / GZIP_N);
        if (r === 0 && op === 'gzip') sizes.push({ raw: run.raw, gzip: run.gzip });
      }
  return { gzipUs: median(per.gzip as number[]), bothUs: median(per.both as number[]), sizes };
}

export async function run() {
  const { mf, url, db } = await start(bundle());
  try {
    const app = new URL('/api/webhooks/clerk', url);
    const verify = new URL('/verify-only', url);
    const dry = new URL('/dry/api/webhooks/clerk', url);
    const oneWrite = new URL('/verify-one-write', url);
    // Warm-up (JIT, D1 page cache) on both endpoints, not measured.
    await blast(app, sign(mixedEvents('warm', 500), 'warm-app'));
    await blast(verify, sign(mixedEvents('warm', 500), 'warm-verify'));
    await blast(dry, sign(mixedEvents('warm', 500), 'warm-dry'));
    await blast(oneWrite, sign(mixedEvents('warm', 500), 'warm-one'));

    const appRates: number[] = [];
    const verifyRates: number[] = [];
    const dryRates: number[] = [];
    const oneWriteRates: number[] = [];
    const ratios: number[] = [];
    const bad: Record<string, number> = {};
    for (let r = 0; r < REPEATS; r++) {
      const bodies = mixedEvents(`r${r}`, EVENTS);
      // Rotate which endpoint goes first so no one of them always runs on a cooler machine.
      const endpoints: [name: string, target: URL, rates: number[]][] = [
        ['verify', verify, verifyRates],
        ['app', app, appRates],
        ['dry', dry, dryRates],
        ['one-write', oneWrite, oneWriteRates],
      ];
      const rates: Record<string, number> = {};
      for (let k = 0; k < endpoints.length; k++) {
        const endpoint = endpoints[(k + r) % endpoints.length];
        if (!endpoint) continue;
        const [name, target, list] = endpoint;
        const result = await blast(target, sign(bodies, `${name}${r}`));
        list.push(result.rate);
        rates[name] = result.rate;
        for (const [s, n] of Object.entries(result.statuses))
          if (s !== '200') bad[`${name} ${s}`] = (bad[`${name} ${s}`] ?? 0) + n;
      }
      ratios.push((rates.app ?? Number.NaN) / (rates.verify ?? Number.NaN));
    }
    const gzip = await measureGzip(url.toString());
    const stored = await db
      .prepare('select status, count(*) as n from webhook_events group by status order by status')
      .all<{ status: string; n: number }>();

    // Round trips: the production route behind a counting D1 binding.
    const counted = new URL('/counted/api/webhooks/clerk', url);
    const bodies = mixedEvents('counted', COUNTED_EVENTS);
    const first = await blast(counted, sign(bodies, 'counted'));
    type D1Counts = { batches: number; queries: number; statements: number };
    const afterFirst = (await (await fetch(new URL('/__bench/d1', url))).json()) as D1Counts;
    const dup = await blast(counted, sign(bodies, 'counted')); // same svix-ids: redeliveries
    const afterDup = (await (await fetch(new URL('/__bench/d1', url))).json()) as D1Counts;
    const per = (c: D1Counts, n: number) => ({
      batches: c.batches / n,
      queries: c.queries / n,
      statements: c.statements / Math.max(c.batches, 1),
    });
    const fresh = per(afterFirst, COUNTED_EVENTS);
    const redo = per(
      {
        batches: afterDup.batches - afterFirst.batches,
        queries: afterDup.queries - afterFirst.queries,
        statements: afterDup.statements - afterFirst.statements,
      },
      COUNTED_EVENTS,
    );

    const a = median(appRates);
    const ratioMedian = median(ratios);
    const v = median(verifyRates);
    const allCounted = first.statuses['200'] === COUNTED_EVENTS && dup.statuses['200'] === COUNTED_EVENTS;
    const countedNote = allCounted
      ? ''
      : ` (counted pass: ${JSON.stringify(first.statuses)} / ${JSON.stringify(dup.statuses)})`;
    return `
${EVENTS.toLocaleString('en')} mixed Clerk events per repeat (profiles 20 %, session.created 40 %, session.ended 10 %,
organizations 10 %, memberships 10 %, user.deleted 5 %, unknown type 5 %), each really signed with svix, POSTed to
127.0.0.1 with ${CONCURRENCY} in flight; Miniflare (workerd) running the wrangler bundle, local D1. Median of ${REPEATS}
repeats after a warm-up; the verify-only endpoint (same middleware, body read, Svix verification, JSON parse,
no storage) gets the same bodies in the same run.

| Endpoint | events/s (median) | runs |
|---|---:|---|
| verify-only (baseline) | ${v.toFixed(0)} | ${verifyRates.map((x) => x.toFixed(0)).join(', ')} |
| \`POST /api/webhooks/clerk\` (verify + fold + store) | ${a.toFixed(0)} | \
${appRates.map((x) => x.toFixed(0)).join(', ')} |
| same route, D1 stubbed (answers at once; our CPU only) | ${median(dryRates).toFixed(0)} | \
${dryRates.map((x) => x.toFixed(0)).join(', ')} |
| verify-only + the smallest durable D1 write (one 1-statement batch) | ${median(oneWriteRates).toFixed(0)} | \
${oneWriteRates.map((x) => x.toFixed(0)).join(', ')} |
| **ratio real route / verify-only** | **${ratioMedian.toFixed(2)}×** median of per-repeat ratios \
(${ratios.map((x) => x.toFixed(2)).join(', ')}); goal ≥ 0.5× | |
| ratio D1-stubbed route / verify-only | ${(median(dryRates) / v).toFixed(2)}× | |
| ratio one-write floor / verify-only | ${(median(oneWriteRates) / v).toFixed(2)}× | |
| ratio real route / one-write floor | ${(a / median(oneWriteRates)).toFixed(2)}× | |

Non-200 responses: ${Object.keys(bad).length ? JSON.stringify(bad) : 'none'}${countedNote}.
Stored after the run: ${stored.results.map((r) => `${r.status} ${r.n}`).join(', ')}.

Reading the rows: the D1-stubbed route isolates our own CPU (verify, fold, bind statements); the one-write
row is the floor for any endpoint that durably stores an event in this local D1 (workerd's SQLite, on disk).
The distance between the verify-only and the real route is mostly that floor, i.e. local D1 write cost,
not per-event work of ours; in production a D1 batch is a network round trip whose latency overlaps across
concurrent requests rather than consuming the Worker's CPU.

D1 round trips per event, counted by an instrumented D1 binding in front of the production route
(${COUNTED_EVENTS.toLocaleString('en')} fresh events, then the same ${COUNTED_EVENTS.toLocaleString('en')} redelivered \
with the same svix-ids):

| Delivery | batches / event | other queries / event | statements / batch |
|---|---:|---:|---:|
| first delivery | ${fresh.batches.toFixed(2)} | ${fresh.queries.toFixed(2)} | ${fresh.statements.toFixed(2)} |
| redelivery (duplicate) | ${redo.batches.toFixed(2)} | ${redo.queries.toFixed(2)} | ${redo.statements.toFixed(2)} |

Gzip of a stored payload (Clerk's sample \`user.created\`, \`session.created\`, \`session.ended\` with an email \
address), in workerd, ${GZIP_N} per request against the same request doing none, median of 21 interleaved:
**${gzip.gzipUs.toFixed(0)} µs** to compress, ${gzip.bothUs.toFixed(0)} µs to compress and decompress, against \
${(1e6 / median(dryRates)).toFixed(0)} µs per event of the D1-stubbed route above (one thread). Bytes: \
${gzip.sizes.map((x) => `${x.raw} → ${x.gzip}`).join(', ')}.

One \`db.batch()\` per event: \`[prior status, …effects, mark processed]\`; the duplicate check rides in the same
batch because every effect is idempotent (goal: one batch — met when the first column reads 1.00 and the
second 0.00).
`;
  } finally {
    await mf.dispose();
  }
}
