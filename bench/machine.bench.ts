// `npm run bench -- machine`: machine-token cost in workerd and Backend API calls, ours vs stock @clerk/hono
// (`clerkMiddleware` + `getAuth(c, { acceptsToken: 'any' })`) in the same run.
//
// CPU: as bench/auth.bench.ts (a dispatched request loops N inner requests through the variant's app;
// time taken outside the isolate; added cost = (loop over /v1/me − loop over /health) ÷ N; medians of
// rounds; ratios within a round). Clerk's Backend API is the fake (drill/support/fake-clerk.ts) as
// Miniflare's outbound service, which counts calls.
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Miniflare } from 'miniflare';
import { createFakeClerk } from '../drill/support/fake-clerk.ts';
import { applyMigrations } from '../scripts/lib/migrations.ts';
import { fmt, median, medianRatio } from './support/stats.ts';
import { CLERK_PEM, m2mToken, sessionToken } from './support/tokens.ts';
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

export const title = 'Machine tokens: verification cost and Backend API calls';

const TMP = benchTmp('machine');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const N = 300;

const apiKey = () => `ak_${randomBytes(24).toString('base64url')}`;
/** Keys the fake Backend API knows (a 200 with the key's resource); any other key is a 404. */
const CACHED_KEY = `ak_known_${randomBytes(20).toString('base64url')}`;
const SPREAD_KEYS = Array.from({ length: 100 }, () => `ak_known_${randomUUID().replaceAll('-', '')}`);

const VARIANTS: Record<string, string> = {
  ours: `import { anyTokenAuth } from '${ROOT}src/auth/session-middleware.ts';
    import { createBaseApp } from '${ROOT}src/base-app.ts';
    import { createServices } from '${ROOT}src/services/services.ts';
    const app = createBaseApp(createServices());
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', anyTokenAuth);
    app.get('/v1/me', (c) => {
      const a = c.get('auth');
      return c.json({ tokenType: a.tokenType, subject: a.subject });
    });
    export default app;`,
  stock: `import { Hono } from 'hono'; import { clerkMiddleware, getAuth } from '@clerk/hono';
    const app = new Hono();
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', async (c, next) => {
      const options = { jwtKey: c.env.CLERK_JWT_KEY || undefined, authorizedParties: [c.env.CLERK_AUTHORIZED_PARTIES] };
      return clerkMiddleware(options)(c, next);
    });
    app.get('/v1/me', (c) => {
      const a = getAuth(c, { acceptsToken: 'any' });
      if (!a.isAuthenticated) return c.json({ error: 'x' }, 401);
      return c.json({ tokenType: a.tokenType, subject: a.subject ?? a.userId });
    });
    export default app;`,
};

// One dispatched request = many inner requests, each with its token and client IP.
const HARNESS = `import app from './variant.mjs';
export default { async fetch(request, env, ctx) {
  const { path, calls } = await request.json();
  const statuses = {};
  for (const [t, ip] of calls) {
    const headers = { authorization: 'Bearer ' + t, 'cf-connecting-ip': ip };
    const res = await app.fetch(new Request('https://edge.bench' + path, { headers }), env, ctx);
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
  return Response.json(statuses);
} };`;

type Bundle = { name: string; code: string };

async function bundle(name: string): Promise<Bundle> {
  return { name, code: await bundleVariant(`${TMP}/${name}`, VARIANTS[name] ?? '') };
}

/** The fake Clerk (in process, as Miniflare's outbound service) with the known API keys issued; it counts calls. */
function fakeBackend() {
  const clerk = createFakeClerk({ secretKey: BENCH_SK });
  for (const token of [CACHED_KEY, ...SPREAD_KEYS])
    clerk.issueMachineToken('api_key', { token, subject: 'user_bench', scopes: ['read'] });
  return { counter: clerk.calls, outboundService: (request: Request) => clerk.fetch(request) };
}

const LIMITS = {
  AUTH_FAILURE_LIMITER: { namespace_id: '1301', simple: { limit: 100, period: 60 as const } },
  MACHINE_VERIFY_LIMITER: { namespace_id: '1302', simple: { limit: 20, period: 10 as const } },
  GATEWAY_LIMITER: { namespace_id: '1303', simple: { limit: 600, period: 60 as const } },
};

function workerOptions(b: Bundle, name: string, outboundService: (r: Request) => Promise<Response>) {
  return {
    name,
    modules: loopModules(`${TMP}/${b.name}`, HARNESS, b.code),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: clerkBindings({ jwtKey: CLERK_PEM }),
    d1Databases: ['DB'],
    kvNamespaces: { JWKS_CACHE: 'jwks' },
    ratelimits: LIMITS,
    outboundService,
  };
}

async function send(mf: Miniflare, name: string, path: string, calls: [string, string][]) {
  const worker = await workerOf(mf, name);
  const t0 = performance.now();
  const res = await worker.fetch('http://bench/', { method: 'POST', body: JSON.stringify({ path, calls }) });
  const statuses = (await res.json()) as Record<string, number>;
  return { ms: performance.now() - t0, statuses };
}

const KINDS = ['session', 'm2mJwt', 'cachedKey'] as const;
type Kind = (typeof KINDS)[number];

async function cpuBench(bundles: Bundle[]) {
  const backends = Object.fromEntries(bundles.map((b) => [b.name, fakeBackend()]));
  const mf = miniflare({
    ...quiet,
    workers: bundles.map((b) => workerOptions(b, b.name, backends[b.name]!.outboundService)),
  } as V4Options);
  await mf.ready;
  const tokens: Record<Kind, string> = {
    session: sessionToken({ sid: 'sess_bench' }),
    m2mJwt: m2mToken(),
    cachedKey: CACHED_KEY,
  };
  const samples: Record<string, Record<Kind, number[]>> = Object.fromEntries(
    bundles.map((b) => [b.name, { session: [], m2mJwt: [], cachedKey: [] }]),
  );
  const loop = (t: string): [string, string][] => Array.from({ length: N }, () => [t, '198.51.100.7']);
  // Warm-up.
  for (const b of bundles) for (const k of KINDS) await send(mf, b.name, '/v1/me', loop(tokens[k]).slice(0, 30));
  const requestsWithKey = { ours: 0, stock: 0 } as Record<string, number>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const b of bundles) {
      for (const k of KINDS) {
        const bare = await send(mf, b.name, '/health', loop(tokens[k]));
        const auth = await send(mf, b.name, '/v1/me', loop(tokens[k]));
        if (auth.statuses['200'] !== N) throw new Error(`${b.name} ${k}: ${JSON.stringify(auth.statuses)}`);
        samples[b.name]![k].push(((auth.ms - bare.ms) / N) * 1000);
        if (k === 'cachedKey') requestsWithKey[b.name] = (requestsWithKey[b.name] ?? 0) + N;
      }
    }
  }
  await mf.dispose();
  const of = (name: string, k: Kind) => samples[name]?.[k] ?? [];
  const vs = (a: string, ka: Kind, b: string, kb: Kind) => medianRatio(of(a, ka), of(b, kb));
  const calls = (name: string) => backends[name]?.counter.verify ?? 0;
  return { samples, of, vs, calls, requestsWithKey };
}

/** `isolates` cold workers, each answering `requests` (token, ip) pairs; counts Backend API calls. */
async function callCount(b: Bundle, isolates: number, requests: (isolate: number) => [string, string][]) {
  const backend = fakeBackend();
  const names = Array.from({ length: isolates }, (_, i) => `${b.name}_${i}`);
  const mf = miniflare({
    ...quiet,
    workers: names.map((n) => workerOptions(b, n, backend.outboundService)),
  } as V4Options);
  await mf.ready;
  await applyMigrations(await mf.getD1Database('DB', names[0]));
  const statuses: Record<string, number> = {};
  const t0 = Date.now();
  for (const [i, name] of names.entries()) {
    const r = await send(mf, name, '/v1/me', requests(i));
    for (const [s, n] of Object.entries(r.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  }
  const t1 = Date.now();
  await mf.dispose();
  // Fixed 10 s windows of MACHINE_VERIFY_LIMITER touched by the run.
  const windows = Math.floor(t1 / 10_000) - Math.floor(t0 / 10_000) + 1;
  return { calls: backend.counter.verify, statuses, seconds: (t1 - t0) / 1000, windows };
}

export async function run() {
  rmSync(TMP, { recursive: true, force: true });
  const bundles = await Promise.all(Object.keys(VARIANTS).map(bundle));
  const [ours, stock] = bundles as [Bundle, Bundle];
  const cpu = await cpuBench(bundles);

  // 100 distinct API keys (each its own client IP, as 100 consumers), 500 requests per isolate, 20 cold isolates.
  const keys = SPREAD_KEYS.map((key, i) => [key, `198.51.100.${i}`] as [string, string]);
  const spread = () => Array.from({ length: 500 }, (_, j) => keys[j % keys.length]!);
  const spreadOurs = await callCount(ours, 20, spread);
  const spreadStock = await callCount(stock, 20, spread);
  // 1,000 random keys from one IP, one isolate.
  const flood = () => Array.from({ length: 1000 }, () => [apiKey(), '203.0.113.66'] as [string, string]);
  const floodOurs = await callCount(ours, 1, flood);
  const floodStock = await callCount(stock, 1, flood);
  rmSync(TMP, { recursive: true, force: true });

  const m = (name: string, k: Kind) => fmt(median(cpu.of(name, k)));
  const row = (k: Kind, label: string) =>
    `| ${label} | ${m('ours', k)} | ${fmt(cpu.vs('ours', k, 'ours', 'session'), 2)} | ` +
    `${m('stock', k)} | ${fmt(cpu.vs('ours', k, 'stock', k), 2)} |`;
  return `
Added workerd time per authenticated request over a bare route of the same app (µs, median of ${ROUNDS} rounds × ${N}
requests, the same token repeated), ours (\`authenticate\` with every type accepted, as \`GET /v1/me\` mounts it) vs \
stock
\`@clerk/hono\` (\`clerkMiddleware\`, \`getAuth(c, { acceptsToken: 'any' })\`), same RSA-2048 key (\`jwtKey\`), Clerk's
Backend API answered by the fake Clerk as Miniflare's outbound service. Ratios are medians of per-round ratios:

| Token | ours µs | ours ÷ ours session | stock µs | ours ÷ stock |
|---|---|---|---|---|
${row('session', 'session token')}
${row('m2mJwt', 'M2M token, JWT form (verified locally)')}
${row('cachedKey', 'API key `ak_…`, cached in the isolate (stock: one Backend API call each)')}

Backend API calls (\`POST /api_keys/verify\`):

| Scenario | ours | stock \`@clerk/hono\` | goal |
|---|---|---|---|
| 10,000 requests, 100 distinct API keys (100 client IPs), 20 cold isolates × 500 | ${spreadOurs.calls} \
(${JSON.stringify(spreadOurs.statuses)}) | ${spreadStock.calls} | ≤ 1 per key per isolate per 60 s = 2,000 |
| 1,000 random API keys from one IP, one isolate (${fmt(floodOurs.seconds, 0)} s, ${floodOurs.windows} \
window${floodOurs.windows > 1 ? 's' : ''} of 10 s) | ${floodOurs.calls} (${JSON.stringify(floodOurs.statuses)}) | \
${floodStock.calls} | ≤ MACHINE_VERIFY_LIMITER's budget = 20 × ${floodOurs.windows} |

During the CPU rounds (warm-up included) ours made ${cpu.calls('ours')} Backend API call(s) for the API key (one per \
60 s:
the cache entry's lifetime), stock ${cpu.calls('stock')} (one per request). An M2M JWT is verified (RSA) on every
request: unlike session tokens, its results are not cached, because a key removed at rotation must stop them at once
and only the session result cache is wired to the key cache's removal hook. How: variants bundled by esbuild, run in \
Miniflare's workerd from Node
(bench/machine.bench.ts).
`;
}
