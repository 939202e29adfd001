// `npm run bench -- auth`: session verification cost in workerd, Clerk key fetches, bundle size.
//
// How CPU is measured: workerd freezes Date.now()/performance.now() inside a request, so timing is
// taken from outside. Each variant is bundled with esbuild and run in Miniflare (real workerd). One
// dispatched request runs a loop of N inner requests through the variant's Hono app (`app.fetch`),
// so dispatch overhead is amortised; the loop over the authenticated route minus the same loop over
// a bare route of the same app, divided by N, is the added cost per authenticated request. A
// CPU-bound request in a single-threaded isolate makes wall time ≈ CPU time. Rounds alternate the
// variants; medians of the rounds are reported, with ratios against stock @clerk/hono and jose
// measured in the same run.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Miniflare } from 'miniflare';
import { createFakeClerk } from '../drill/support/fake-clerk.ts';
import { applyMigrations } from '../scripts/lib/migrations.ts';
import { fmt, median, medianRatio } from './support/stats.ts';
import { BENCH_SIGNING_KEY, CLERK_PEM, sessionToken, unknownKidToken } from './support/tokens.ts';
import {
  BENCH_SK,
  benchTmp,
  bundleVariant,
  COMPATIBILITY_DATE,
  clerkBindings,
  loopModules,
  miniflare,
  quiet,
  ROOT,
  type V4Options,
  workerOf,
} from './support/workerd.ts';

export const title = 'Authentication: session verification cost, Clerk key fetches, bundle size';

const TMP = benchTmp('auth');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const N = 400;

const mint = ({ i = 0 } = {}) => sessionToken({ sid: `sess_${i}` });

// Each variant: a Hono app with a bare route (`/health`) and the authenticated `/v1/me`.
const VARIANTS: Record<string, string> = {
  // Our session middleware on the service's base app (src/base-app.ts: the first middlewares, onError and
  // notFound, as src/app.ts builds on it), with the same trivial handler as the others: the full app's /v1/me also loads the tenant,
  // which is not verification (bench/replicas.bench.ts measures that path).
  ours: `import { sessionAuth } from '${ROOT}src/auth/session-middleware.ts';
    import { createBaseApp } from '${ROOT}src/base-app.ts';
    import { createServices } from '${ROOT}src/services/services.ts';
    const app = createBaseApp(createServices());
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', sessionAuth);
    app.get('/v1/me', (c) => { const a = c.get('auth'); return c.json({ userId: a.userId, sessionId: a.sessionId }); });
    export default app;`,
  // The same with the REVOCATIONS Durable Object bound and 1,000 deny entries (GET /seed): every request looks
  // the session up in the isolate's copy of the deny set (ours above has no binding, so it skips the lookup).
  revocation: `import { Hono } from 'hono';
    import { sessionAuth } from '${ROOT}src/auth/session-middleware.ts';
    import { context } from '${ROOT}src/http/middleware.ts';
    import { createServices, withServices } from '${ROOT}src/services/services.ts';
    import { AppError, errorResponse } from '${ROOT}src/errors.ts';
    import { revocationWriter } from '${ROOT}src/revocation/revocation-check.ts';
    import { isDenied } from '${ROOT}src/revocation/deny-rule.ts';
    import { lookupOf } from '${ROOT}src/revocation/deny-snapshot.ts';
    export { Revocations } from '${ROOT}src/revocation/revocations-object.ts';
    const app = new Hono();
    app.onError((err, c) => (err instanceof AppError ? errorResponse(c, err) : c.text('error', 500)));
    app.use('*', withServices(createServices()), context);
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.get('/seed', async (c) => {
      const at = Date.now();
      const entries = Array.from({ length: 1000 }, (_, i) => ({ kind: i % 2 ? 'user' : 'session', id: 'x_' + i, at }));
      await revocationWriter(c.env)(entries);
      return c.json({ status: 'ok' });
    });
    app.use('/v1/*', sessionAuth);
    app.get('/v1/me', (c) => { const a = c.get('auth'); return c.json({ userId: a.userId, sessionId: a.sessionId }); });
    export default app;
    export function lookupLoop(entries, calls) {
      const at = Date.now();
      const wire = Array.from({ length: entries }, (_, i) => [i % 2 ? 'u' : 's', 'x_' + i, at]);
      const { lookup } = lookupOf({ version: 1, truncated: false, entries: wire });
      let denied = 0;
      for (let i = 0; i < calls; i++)
        if (isDenied(lookup, { sessionId: 'sess_' + (i & 1023), userId: 'user_1', issuedAt: at / 1000 }, at)) denied++;
      return denied;
    }`,
  stock: `import { Hono } from 'hono'; import { clerkMiddleware, getAuth } from '@clerk/hono';
    const app = new Hono();
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', async (c, next) => {
      const options = { jwtKey: c.env.CLERK_JWT_KEY || undefined, authorizedParties: [c.env.CLERK_AUTHORIZED_PARTIES] };
      return clerkMiddleware(options)(c, next);
    });
    app.get('/v1/me', (c) => {
      const a = getAuth(c, { acceptsToken: 'session_token' });
      if (!a.userId) return c.json({ error: 'x' }, 401);
      return c.json({ userId: a.userId, sessionId: a.sessionId });
    });
    export default app;`,
  jose: `import { Hono } from 'hono'; import { importSPKI, jwtVerify } from 'jose';
    const app = new Hono(); let key;
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', async (c, next) => {
      key ??= importSPKI(c.env.CLERK_JWT_KEY, 'RS256');
      const token = (c.req.header('authorization') || '').slice(7);
      try {
        const { payload } = await jwtVerify(token, await key, { algorithms: ['RS256'], clockTolerance: 5 });
        c.set('p', payload);
      } catch {
        return c.json({ error: 'x' }, 401);
      }
      await next();
    });
    app.get('/v1/me', (c) => c.json({ userId: c.get('p').sub, sessionId: c.get('p').sid }));
    export default app;`,
};

// The loop harness: one dispatched request = many inner requests through the variant's app.
const HARNESS = `import app from './variant.mjs';
export default { async fetch(request, env, ctx) {
  const { path, tokens, expect } = await request.json();
  let ok = 0;
  for (const t of tokens) {
    const req = new Request('https://edge.bench' + path, { headers: { authorization: 'Bearer ' + t } });
    const res = await app.fetch(req, env, ctx);
    await res.arrayBuffer();
    if (res.status === expect) ok++;
  }
  return Response.json({ ok });
} };`;

// The deny-set variant's harness: the Durable Object class exported from the main module, and `/lookup`.
const LOOKUP_HARNESS = `${HARNESS.replace(
  'async fetch(request, env, ctx) {',
  `async fetch(request, env, ctx) {
  const u = new URL(request.url);
  if (u.pathname === '/lookup')
    return new Response(String(lookupLoop(Number(u.searchParams.get('entries')), Number(u.searchParams.get('calls')))));`,
)}
import { lookupLoop } from './variant.mjs';
export { Revocations } from './variant.mjs';`;

type Bundle = { name: string; code: string; gzipKiB: number };

async function bundle(name: string): Promise<Bundle> {
  const code = await bundleVariant(`${TMP}/${name}`, VARIANTS[name] ?? '');
  return { name, code, gzipKiB: gzipSync(code).length / 1024 };
}

type Extra = { bindings?: Record<string, string>; options?: Record<string, unknown> };

function workerOptions(b: Bundle, extra: Extra = {}) {
  // The Durable Object class must be exported by the main module (the harness).
  const revocation = b.name === 'revocation';
  const harness = revocation ? LOOKUP_HARNESS : HARNESS;
  return {
    name: b.name,
    modules: loopModules(`${TMP}/${b.name}`, harness, b.code),
    ...(revocation ? { durableObjects: { REVOCATIONS: { className: 'Revocations', useSQLite: true } } } : {}),
    compatibilityDate: COMPATIBILITY_DATE,
    // The deny-set variant refreshes once in the warm-up, not in the timed loops: the lookup on the request path
    // is what is measured (a refresh is background work, at most once per REVOCATION_REFRESH_MS / 4 per isolate,
    // and here its Cache API and Durable Object would run on the same two cores as the loop).
    bindings: {
      ...clerkBindings({ jwtKey: CLERK_PEM }),
      ...(revocation ? { REVOCATION_REFRESH_MS: '60000' } : {}),
      ...extra.bindings,
    },
    d1Databases: ['DB'],
    kvNamespaces: { JWKS_CACHE: 'jwks' },
    ...extra.options,
  };
}

async function run1(mf: Miniflare, name: string, path: string, tokens: string[], expect: number): Promise<number> {
  const worker = await workerOf(mf, name);
  const t0 = performance.now();
  const res = await worker.fetch('http://bench/', { method: 'POST', body: JSON.stringify({ path, tokens, expect }) });
  const { ok } = (await res.json()) as { ok: number };
  const ms = performance.now() - t0;
  if (ok !== tokens.length) throw new Error(`${name} ${path}: ${ok}/${tokens.length} answered ${expect}`);
  return ms;
}

type Cpu = {
  fresh: number;
  repeated: number;
  freshVsStock: number;
  repeatedVsStock: number;
  freshVsJose: number;
  freshVsOurs: number;
  repeatedVsOurs: number;
};

async function cpuBench(bundles: Bundle[]): Promise<Record<string, Cpu>> {
  const mf = miniflare({ ...quiet, workers: bundles.map((b) => workerOptions(b)) } as V4Options);
  await mf.ready;
  // Ours reads the caller's tenant on /v1/me (cached per isolate after the first request).
  await applyMigrations(await mf.getD1Database('DB', 'ours'));
  if (bundles.some((b) => b.name === 'revocation')) await run1(mf, 'revocation', '/seed', ['-'], 200);
  type Samples = { fresh: number[]; repeated: number[] };
  const samples: Record<string, Samples> = Object.fromEntries(
    bundles.map((b) => [b.name, { fresh: [], repeated: [] }]),
  );
  const of = (name: string): Samples => samples[name] ?? { fresh: [], repeated: [] };
  const repeated = Array(N).fill(mint({ i: 1 }));
  // Warm-up: JIT, key import, module init.
  for (const b of bundles) {
    await run1(mf, b.name, '/health', repeated.slice(0, 50), 200);
    await run1(mf, b.name, '/v1/me', repeated.slice(0, 50), 200);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = Array.from({ length: N }, (_, i) => mint({ i: round * N + i + 10 }));
    for (const b of bundles) {
      const bare = await run1(mf, b.name, '/health', fresh, 200);
      const authFresh = await run1(mf, b.name, '/v1/me', fresh, 200);
      const bare2 = await run1(mf, b.name, '/health', repeated, 200);
      const authRepeated = await run1(mf, b.name, '/v1/me', repeated, 200);
      of(b.name).fresh.push(((authFresh - bare) / N) * 1000);
      of(b.name).repeated.push(((authRepeated - bare2) / N) * 1000);
    }
  }
  await mf.dispose();
  // Ratios are taken within each round (same load on the shared machine), then the median across rounds.
  const ratio = (a: string, b: string, kind: keyof Samples) => medianRatio(of(a)[kind], of(b)[kind]);
  return Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [
      k,
      {
        fresh: median(v.fresh),
        repeated: median(v.repeated),
        freshVsStock: ratio(k, 'stock', 'fresh'),
        repeatedVsStock: ratio(k, 'stock', 'repeated'),
        freshVsJose: ratio(k, 'jose', 'fresh'),
        freshVsOurs: ratio(k, 'ours', 'fresh'),
        repeatedVsOurs: ratio(k, 'ours', 'repeated'),
      },
    ]),
  );
}

/** Runs `perIsolate` requests in each of `isolates` fresh workers sharing one KV namespace; counts JWKS fetches. */
type FetchScenario = {
  isolates: number;
  perIsolate: number;
  tokenFor: (i: number) => string;
  expect: number;
  warmKv: boolean;
};

async function fetchCount(b: Bundle, { isolates, perIsolate, tokenFor, expect, warmKv }: FetchScenario) {
  // Clerk is the fake, answering in process as Miniflare's outbound service (every outbound request goes to it).
  const clerk = createFakeClerk({ secretKey: BENCH_SK, key: BENCH_SIGNING_KEY });
  const outboundService = (request: Request) => clerk.fetch(request);
  const names = Array.from({ length: isolates + 1 }, (_, i) => `${b.name}_${i}`);
  const mf = miniflare({
    ...quiet,
    workers: names.map((name) =>
      workerOptions({ ...b, name }, { bindings: { CLERK_JWT_KEY: '' }, options: { outboundService } }),
    ),
  } as V4Options);
  await mf.ready;
  const first = names[0] ?? b.name;
  await applyMigrations(await mf.getD1Database('DB', first));
  if (warmKv) await run1(mf, first, '/v1/me', [mint()], 200);
  const before = clerk.calls.jwks;
  const t0 = performance.now();
  for (const name of names.slice(1)) {
    const tokens = Array.from({ length: perIsolate }, (_, i) => tokenFor(i));
    await run1(mf, name, '/v1/me', tokens, expect);
  }
  const seconds = (performance.now() - t0) / 1000;
  await mf.dispose();
  return { fetches: clerk.calls.jwks - before, seconds };
}

/**
 * The deny-set lookup alone (the request path's added work), in workerd: one request runs `isDenied` 1,000,000
 * times over a copy of `entries` entries (the revocation variant's `/lookup`); ns per call, median of 9.
 */
async function denyLookupNs(b: Bundle, entries: number): Promise<number> {
  const mf = miniflare({ ...quiet, workers: [workerOptions(b)] } as V4Options);
  await mf.ready;
  const worker = await workerOf(mf, b.name);
  const calls = 1_000_000;
  const samples: number[] = [];
  for (let round = 0; round < 10; round++) {
    const t0 = performance.now();
    const res = await worker.fetch(`http://bench/lookup?entries=${entries}&calls=${calls}`);
    if ((await res.text()) !== '0') throw new Error('lookup: unexpected refusal');
    if (round > 0) samples.push(((performance.now() - t0) * 1e6) / calls); // round 0 warms the JIT
  }
  await mf.dispose();
  return median(samples);
}

function workerBundleGzipKiB() {
  const out = `${TMP}/dist`;
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out], { cwd: ROOT, stdio: 'ignore' });
  return gzipSync(readFileSync(`${out}/index.js`)).length / 1024;
}

export async function run() {
  rmSync(TMP, { recursive: true, force: true });
  const bundles = await Promise.all(Object.keys(VARIANTS).map(bundle));
  const cpu = await cpuBench(bundles);
  const named = (name: string): Bundle => {
    const found = bundles.find((b) => b.name === name);
    if (!found) throw new Error(`no bundle ${name}`);
    return found;
  };
  const [ours, stock] = [named('ours'), named('stock')];
  const tokenOnce = mint();
  const warm = { isolates: 20, perIsolate: 500, tokenFor: () => tokenOnce, expect: 200, warmKv: true };
  const coldOurs = await fetchCount(ours, warm);
  const coldStock = await fetchCount(stock, warm);
  const random = {
    isolates: 1,
    perIsolate: 1000,
    tokenFor: () => unknownKidToken(),
    expect: 401,
    warmKv: true,
  };
  const randOurs = await fetchCount(ours, random);
  const randStock = await fetchCount(stock, random);
  const workerKiB = workerBundleGzipKiB();
  const lookupNs = [await denyLookupNs(named('revocation'), 1_000), await denyLookupNs(named('revocation'), 50_000)];
  rmSync(TMP, { recursive: true, force: true });

  const row = (name: string, label: string) => {
    const c = cpu[name];
    if (!c) throw new Error(`no result for ${name}`);
    const cells = [
      fmt(c.fresh),
      fmt(c.repeated),
      fmt(c.freshVsStock, 2),
      fmt(c.repeatedVsStock, 2),
      fmt(c.freshVsJose, 2),
    ];
    return `| ${label} | ${cells.join(' | ')} |`;
  };
  const windows = (r: { seconds: number }) => Math.max(1, Math.ceil(r.seconds / 30));
  return `
Added workerd time per authenticated request over a bare route of the same app (µs, median of ${ROUNDS} rounds × ${N} \
requests;
"fresh" = a different token each request, "repeated" = the same token; networkless, same RSA-2048 key). Ratios are
medians of per-round ratios (both sides measured back to back), which cancels most of the shared machine's drift:

| Verifier | fresh µs | repeated µs | fresh ÷ stock | repeated ÷ stock | fresh ÷ jose |
|---|---|---|---|---|---|
${row('ours', 'ours (`sessionAuth` as mounted in `src/app.ts`)')}
${row('revocation', 'ours + the deny-set check (`REVOCATIONS` bound, 1,000 entries)')}
${row('stock', 'stock `@clerk/hono` clerkMiddleware (jwtKey)')}
${row('jose', '`jose` jwtVerify (key imported once)')}

The deny-set check (instant revocation, docs/revocation.md) on an ordinary route: ours with the check ÷ ours without
it, fresh ${fmt(cpu.revocation?.freshVsOurs ?? Number.NaN, 2)}×, repeated ${fmt(cpu.revocation?.repeatedVsOurs ?? Number.NaN, 2)}× \
(medians of per-round ratios). The lookup on the request path only: the copy's refresh (a Cache API read, at most
once per REVOCATION_REFRESH_MS / 4 per isolate, after the response) is left out of the timed loops. The lookup alone
(\`isDenied\` over the copy, one workerd request of 1,000,000 calls, median of 9): ${fmt(lookupNs[0] ?? Number.NaN, 0)} ns with
1,000 entries, ${fmt(lookupNs[1] ?? Number.NaN, 0)} ns with 50,000 (the snapshot cap).

Clerk JWKS fetches (JWKS mode, no CLERK_JWT_KEY; Clerk is the fake Backend API as Miniflare's outbound service):

| Scenario | ours | stock \`@clerk/hono\` |
|---|---|---|
| 10,000 requests over 20 cold isolates, KV warm | ${coldOurs.fetches} | ${coldStock.fetches} |
| 1,000 requests with random unknown kids (one isolate, ${fmt(randOurs.seconds, 0)} s / ${fmt(randStock.seconds, 0)} \
s) | ${randOurs.fetches} (≤ ${windows(randOurs)} cooldown window${windows(randOurs) > 1 ? 's' : ''}) | \
${randStock.fetches} |

Bundle (gzip): the whole Worker (\`wrangler deploy --dry-run\`) **${fmt(workerKiB)} KiB** vs the naive Clerk + svix@1 \
+ Drizzle
baseline of 158.6 KiB (${fmt(workerKiB / 158.6, 2)}×). Benchmark harness bundles (esbuild, minified): ours \
${fmt(ours.gzipKiB)} KiB,
stock ${fmt(stock.gzipKiB)} KiB, jose ${fmt(named('jose').gzipKiB)} KiB.

How: variants bundled by esbuild and run in Miniflare's workerd from Node; a request loops ${N} inner requests
through \`app.fetch\`; time is taken outside the isolate (workerd freezes clocks inside a request); added cost =
(loop over \`/v1/me\` − loop over \`/health\`) ÷ ${N}. Ours runs the base app's middlewares on both routes (services, metrics, request id,
access log, secure headers, config), so the difference is the session middleware and the handler.
`;
}
