// `npm run bench -- gateway`: what the gateway adds to a proxied request in workerd, against a bare
// pass-through Worker and against stock @clerk/hono `clerkMiddleware` + `hono/proxy`, in one run;
// the assertion's signing cost alone (EdDSA vs ES256); workerd's memory for a 50 MiB vs a 1 MiB
// transfer through the gateway.
//
// CPU, as bench/auth.bench.ts: each variant is bundled by esbuild and run in Miniflare (real workerd)
// from Node. One dispatched request loops N inner requests through the variant's fetch handler, and
// each inner request really goes out of workerd to the same Node origin on 127.0.0.1 (workerd freezes
// clocks inside a request, so time is taken from outside). Added cost = (variant's loop − the bare
// pass-through's loop in the same round) ÷ N. Rounds rotate the order of the variants; medians of
// rounds; ratios are medians of per-round ratios. Clerk is a fake on 127.0.0.1 that counts requests
// (every variant verifies networklessly with CLERK_JWT_KEY, so it should see none).
//
// Memory: a fresh Miniflare (its own workerd process, found as this process's child named `workerd`)
// per variant; before each transfer the kernel's peak-RSS counter is reset (`5` into
// /proc/<pid>/clear_refs), after it VmHWM is read; VmRSS is also sampled every 5 ms. A deliberately
// buffering Worker is measured the same way, to show the method sees buffering when there is some.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { importJWK, jwtVerify } from 'jose';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { applyMigrations } from '../scripts/lib/migrations.ts';
import { signRs256 } from '../scripts/lib/sign.ts';
import { benchOrigin, fakeClerk } from './gateway-origin.ts';
import { bundleForWorkerd } from './workerd-bundle.ts';

type V4Options = Parameters<typeof convertV4MiniflareOptions>[0];
const miniflare = (options: V4Options) => new Miniflare(convertV4MiniflareOptions(options));

export const title = 'Gateway: added time per proxied request, assertion signing, memory while streaming';

const ROOT = new URL('..', import.meta.url).pathname;
const TMP = `${ROOT}.bench-tmp/gateway`;
const AZP = 'https://app.fulcrum.test';
const PK = 'pk_test_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk';
const SK = 'sk_test_bench_secret_key';
const AUDIENCE = 'https://api.fulcrum.bench';
const ISS = 'https://bench.clerk';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const N = Number(process.env.BENCH_N ?? 300);
const SIGN_N = 2000;
const MiB = 1024 * 1024;
const MEMORY_REPEATS = Number(process.env.BENCH_MEMORY_REPEATS ?? 3);

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const CLERK_JWK = { ...publicKey.export({ format: 'jwk' }), kid: 'ins_bench', alg: 'RS256', use: 'sig' };

/** EDGE_SIGNING_KEY values: a private JWK with `kid`, Ed25519 or P-256. */
function edgeKey(alg: 'EdDSA' | 'ES256') {
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `edge-bench-${alg.toLowerCase()}`;
  return {
    secret: JSON.stringify({ ...pair.privateKey.export({ format: 'jwk' }), kid }),
    publicJwk: pair.publicKey.export({ format: 'jwk' }),
  };
}
const ED25519 = edgeKey('EdDSA');
const P256 = edgeKey('ES256');

/** A session token; `i` makes it a distinct string (its own `sid`, so nothing can share its cached result). */
function mint(i: number) {
  const iat = Math.floor(Date.now() / 1000);
  return signRs256(
    { alg: 'RS256', kid: 'ins_bench', typ: 'JWT', cat: 'cl_B7d4PD111AAA' },
    { azp: AZP, exp: iat + 3600, iat, nbf: iat - 10, iss: ISS, sid: `sess_${i}`, sub: 'user_bench', v: 2 },
    privateKey,
  );
}

// Each variant default-exports a fetch handler (`{ fetch(request, env, ctx) }`).
const VARIANTS = {
  // The least a Worker can do to forward: same method, headers, streamed body, to ORIGIN_URL.
  bare: `export default { fetch(request, env) {
      const u = new URL(request.url);
      const init = { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' };
      return fetch(env.ORIGIN_URL + u.pathname + u.search, init);
    } };`,
  // Reference floor: what any proxy that rewrites headers pays on top of bare: a copied and edited Headers on
  // the way out, a new Request, and a new Response with copied headers on the way back (no framework, no auth).
  rewrap: `export default { async fetch(request, env) {
      const u = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete('authorization');
      headers.set('x-fulcrum-user-id', 'user_bench');
      const init = { method: request.method, headers, body: request.body, redirect: 'manual' };
      const res = await fetch(new Request(env.ORIGIN_URL + u.pathname + u.search, init));
      const out = { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) };
      return new Response(res.body, out);
    } };`,
  // The production Worker, untouched (src/index.ts: every middleware, the gateway with GATEWAY_ROUTES).
  ours: `export { default } from '${ROOT}src/index.ts';`,
  // Stock @clerk/hono + hono/proxy, as their docs show it, forwarding the user and session ids as headers
  // (no assertion to sign, no spoofed-header stripping, no tenant or rate limit: less work than ours).
  stock: `import { Hono } from 'hono';
    import { clerkMiddleware, getAuth } from '@clerk/hono';
    import { proxy } from 'hono/proxy';
    const app = new Hono();
    app.use('/api/*', (c, next) =>
      clerkMiddleware({ jwtKey: c.env.CLERK_JWT_KEY, authorizedParties: [c.env.CLERK_AUTHORIZED_PARTIES] })(c, next));
    app.all('/api/*', (c) => {
      const a = getAuth(c, { acceptsToken: 'session_token' });
      if (!a.userId) return c.json({ error: 'unauthorized' }, 401);
      const u = new URL(c.req.url);
      return proxy(c.env.ORIGIN_URL + u.pathname + u.search, {
        raw: c.req.raw,
        redirect: 'manual',
        headers: { ...c.req.header(), authorization: undefined,
          'x-fulcrum-user-id': a.userId, 'x-fulcrum-session-id': a.sessionId,
          'x-forwarded-host': u.host, 'x-forwarded-proto': u.protocol.slice(0, -1) },
      });
    });
    export default app;`,
  // Memory control only: reads the whole upload, then the whole download, before passing them on.
  buffering: `export default { async fetch(request, env) {
      const u = new URL(request.url);
      const body = request.body ? await request.arrayBuffer() : undefined;
      const init = { method: request.method, headers: request.headers, body };
      const res = await fetch(env.ORIGIN_URL + u.pathname + u.search, init);
      return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
    } };`,
  // The assertion alone: the gateway's own claim builder and signer, looped.
  signer: `import { assertionClaims, signAssertion } from '${ROOT}src/gateway/assertion.ts';
    import { loadEdgeKeys } from '${ROOT}src/gateway/signing-keys.ts';
    const keys = {};
    const auth = { subject: 'user_bench', userId: 'user_bench', sessionId: 'sess_bench', orgId: null, orgRole: null,
      orgPermissions: null, tokenType: 'session_token', machineId: null, scopes: null, expiresAt: 4102444800 };
    export default { async fetch(request, env) {
      const { alg, n, sign } = await request.json();
      keys[alg] ??= await loadEdgeKeys(alg === 'EdDSA' ? env.KEY_ED25519 : env.KEY_P256, undefined);
      let chars = 0;
      for (let i = 0; i < n; i++) {
        const now = 1700000000 + i;
        const input = { auth, tenantId: 'user_bench', issuer: 'https://edge.bench', audience: 'aud', now };
        const claims = assertionClaims(input);
        chars += sign ? (await signAssertion(keys[alg].current, claims)).length : JSON.stringify(claims).length;
      }
      return Response.json({ chars });
    } };`,
} as const;
type VariantName = keyof typeof VARIANTS;

// The loop: `x-bench-loop` requests run N inner requests through the variant; anything else is the variant's.
// BENCH_SILENT (ablation): console.log/info/warn do nothing, so the access log line costs only its formatting.
const HARNESS = `import variant from './variant.mjs';
export default { async fetch(request, env, ctx) {
  if (env.BENCH_SILENT) console.log = console.info = console.warn = () => {};
  if (!request.headers.has('x-bench-loop')) return variant.fetch(request, env, ctx);
  const { path, tokens } = await request.json();
  let ok = 0; let last = '';
  for (const t of tokens) {
    const inner = new Request('https://edge.bench' + path, { headers: { authorization: 'Bearer ' + t } });
    const res = await variant.fetch(inner, env, ctx);
    last = await res.text();
    if (res.status === 200) ok++; else last = res.status + ' ' + last.slice(0, 300);
  }
  return Response.json({ ok, last });
} };`;

async function bundle(name: VariantName, minify = true): Promise<string> {
  const dir = `${TMP}/${name}${minify ? '' : '-unminified'}`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/variant.ts`, VARIANTS[name]);
  await bundleForWorkerd(`${dir}/variant.ts`, `${dir}/variant.mjs`, { minify });
  return readFileSync(`${dir}/variant.mjs`, 'utf8');
}

type Urls = { origin: string; clerk: string };
type Worker = { name: string; variant: VariantName; bindings?: Record<string, string>; noLimiter?: boolean };

const UNREACHABLE_LIMIT = { namespace_id: '1303', simple: { limit: 1_000_000_000, period: 60 } };

function workerOptions(w: Worker, code: string, urls: Urls) {
  return {
    name: w.name,
    modules: [
      { type: 'ESModule', path: `${TMP}/${w.name}/harness.mjs`, contents: HARNESS },
      { type: 'ESModule', path: `${TMP}/${w.name}/variant.mjs`, contents: code },
    ],
    compatibilityDate: '2026-08-01',
    bindings: {
      CLERK_SECRET_KEY: SK,
      CLERK_PUBLISHABLE_KEY: PK,
      CLERK_API_URL: urls.clerk,
      CLERK_AUTHORIZED_PARTIES: AZP,
      CLERK_JWT_KEY: PEM,
      GATEWAY_ROUTES: JSON.stringify([{ prefix: '/api/' }]),
      ORIGIN_URL: urls.origin,
      EDGE_AUDIENCE: AUDIENCE,
      EDGE_SIGNING_KEY: ED25519.secret,
      ...w.bindings,
    },
    d1Databases: { DB: 'gateway-bench' },
    kvNamespaces: { JWKS_CACHE: 'jwks' },
    // As wrangler.toml, but a limit the loops cannot reach: the limiter's cost is measured, not its 429.
    ratelimits: {
      AUTH_FAILURE_LIMITER: { namespace_id: '1301', simple: { limit: 100, period: 60 } },
      MACHINE_VERIFY_LIMITER: { namespace_id: '1302', simple: { limit: 20, period: 10 } },
      ...(w.noLimiter ? {} : { GATEWAY_LIMITER: UNREACHABLE_LIMIT }),
    },
  };
}

/** This process's children named `workerd` (Miniflare starts one per instance). */
function workerdChildren(): Set<number> {
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ours = new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status);
      if (ours && /^Name:\s+workerd$/m.test(status)) found.add(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** CPU time of every thread of the process so far, ms (`/proc/<pid>/task/<tid>/schedstat`: ns on CPU). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended while we looked.
    }
  }
  return ns / 1e6;
}

type StartOptions = { inspectorPort?: number; code?: string };

async function start(workers: Worker[], urls: Urls, { inspectorPort, code }: StartOptions = {}) {
  const codes = new Map<VariantName, string>();
  for (const w of workers) if (!codes.has(w.variant)) codes.set(w.variant, code ?? (await bundle(w.variant)));
  const existing = workerdChildren();
  const mf = miniflare({
    handleStructuredLogs: () => {},
    logRequests: false,
    ...(inspectorPort ? { inspectorPort } : {}),
    workers: workers.map((w) => workerOptions(w, codes.get(w.variant) ?? '', urls)),
  } as V4Options);
  await mf.ready;
  const pids = [...workerdChildren()].filter((p) => !existing.has(p));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  // Ours reads (and on first sight creates) the caller's tenant.
  await applyMigrations(await mf.getD1Database('DB', workers[0]?.name));
  return { mf, pid: pids[0] as number };
}

// Miniflare types its fetcher with workerd's types, which a Node project does not load: Node's fetch shape.
type Fetcher = { fetch: typeof fetch };
const workerOf = async (mf: Miniflare, name: string) => (await mf.getWorker(name)) as unknown as Fetcher;

type Run = { mf: Miniflare; pid: number };
type Timing = { ms: number; cpuMs: number };

/** One loop of inner requests: its wall time and the workerd process's CPU time over it, ms. */
async function loop({ mf, pid }: Run, name: string, tokens: string[], path = '/api/hello'): Promise<Timing> {
  const worker = await workerOf(mf, name);
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const res = await worker.fetch('https://edge.bench/', {
    method: 'POST',
    headers: { 'x-bench-loop': '1' },
    body: JSON.stringify({ path, tokens }),
  });
  const out = (await res.json()) as { ok: number; last: string };
  const ms = performance.now() - t0;
  const cpu = cpuMs(pid) - cpu0;
  if (out.ok !== tokens.length) throw new Error(`${name}: ${out.ok}/${tokens.length} answered 200; last: ${out.last}`);
  return { ms, cpuMs: cpu };
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? Number.NaN;
const median = (xs: number[]) => quantile(xs, 0.5);
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
/** Per-round combination of two series measured in the same rounds. */
type Pair = (x: number, y: number) => number;
const pairwise = (xs: number[], ys: number[], f: Pair) => xs.map((x, i) => f(x, ys[i] ?? NaN));
const rotate = <T>(xs: T[], k: number) => xs.map((_, i) => xs[(i + k) % xs.length] as T);

// Ablations of ours (same bundle): without the GATEWAY_LIMITER binding (the gateway fails open, logging that
// once), and also with console output dropped: what is left is our own code.
const NO_LIMITER: Omit<Worker, 'name'> = { variant: 'ours', noLimiter: true };
const CORE: Omit<Worker, 'name'> = { ...NO_LIMITER, bindings: { BENCH_SILENT: '1' } };
const CPU_WORKERS: Worker[] = [
  { name: 'bare', variant: 'bare' },
  { name: 'ours', variant: 'ours' },
  { name: 'ours_p256', variant: 'ours', bindings: { EDGE_SIGNING_KEY: P256.secret } },
  { name: 'ours_nolimiter', ...NO_LIMITER },
  { name: 'ours_core', ...CORE },
  { name: 'stock', variant: 'stock' },
  { name: 'rewrap', variant: 'rewrap' },
  { name: 'signer', variant: 'signer', bindings: { KEY_ED25519: ED25519.secret, KEY_P256: P256.secret } },
];
const PROXIES = ['ours', 'ours_p256', 'ours_nolimiter', 'ours_core', 'stock', 'rewrap'] as const;
type Proxy = (typeof PROXIES)[number];
const KINDS = ['fresh', 'repeated'] as const;
type Kind = (typeof KINDS)[number];

/** One request through each variant to /api/echo: what reached the origin, and ours' assertion verified with jose. */
async function checkForwarding(mf: Miniflare, token: string) {
  const seen: Record<string, Record<string, string>> = {};
  for (const name of ['bare', 'ours', 'ours_p256', 'stock']) {
    const worker = await workerOf(mf, name);
    const res = await worker.fetch('https://edge.bench/api/echo', { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${name} /api/echo: ${res.status} ${await res.text()}`);
    seen[name] = (await res.json()) as Record<string, string>;
  }
  const verified: Record<string, string> = {};
  for (const [name, key, alg] of [
    ['ours', ED25519, 'EdDSA'],
    ['ours_p256', P256, 'ES256'],
  ] as const) {
    const assertion = seen[name]?.['x-fulcrum-assertion'];
    if (!assertion) throw new Error(`${name} forwarded no assertion`);
    const publicKey = await importJWK(key.publicJwk, alg);
    const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, { audience: AUDIENCE });
    if (payload.sub !== 'user_bench' || seen[name]?.authorization) throw new Error(`${name}: unexpected identity`);
    verified[name] = `${protectedHeader.alg}, ${assertion.length} chars`;
  }
  if (seen.stock?.['x-fulcrum-user-id'] !== 'user_bench' || seen.stock.authorization)
    throw new Error('stock: unexpected forwarded identity');
  return verified;
}

const METRICS = ['cpu', 'wall'] as const;
type Metric = (typeof METRICS)[number];
type Series = Record<Metric, Record<Kind, number[]>>;
const series = (): Series => ({ cpu: { fresh: [], repeated: [] }, wall: { fresh: [], repeated: [] } });

async function cpuBench(urls: Urls, clerk: { requests: number }) {
  const run = await start(CPU_WORKERS, urls);
  const repeatedToken = mint(0);
  const verified = await checkForwarding(run.mf, repeatedToken);
  const repeated = Array<string>(N).fill(repeatedToken);
  const names = ['bare', ...PROXIES];
  // Warm-up: JIT, key imports, the tenant cache, connections to the origin.
  for (const name of names) await loop(run, name, repeated.slice(0, 100));
  for (const name of names)
    await loop(
      run,
      name,
      Array.from({ length: 50 }, (_, i) => mint(1e6 + i)),
    );
  const added = Object.fromEntries(PROXIES.map((p) => [p, series()])) as Record<Proxy, Series>;
  const bare = series();
  let nextToken = 1;
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = Array.from({ length: N }, () => mint(nextToken++));
    for (const kind of KINDS) {
      const tokens = kind === 'fresh' ? fresh : repeated;
      const t: Record<string, Timing> = {};
      for (const name of rotate(names, round + (kind === 'fresh' ? 0 : 2))) t[name] = await loop(run, name, tokens);
      for (const metric of METRICS) {
        const of = (name: string) => ((metric === 'cpu' ? t[name]?.cpuMs : t[name]?.ms) ?? NaN) / N;
        bare[metric][kind].push(of('bare') * 1000);
        for (const p of PROXIES) added[p][metric][kind].push((of(p) - of('bare')) * 1000);
      }
    }
  }
  const signing = await signBench(run.mf);
  await run.mf.dispose();
  const ratio = (a: Proxy, b: Proxy, kind: Kind, metric: Metric = 'cpu') =>
    median(pairwise(added[a][metric][kind], added[b][metric][kind], (x, y) => x / y));
  return { added, bare, ratio, signing, verified, clerkRequests: clerk.requests };
}

/** µs per assertion: claims built and signed, minus claims built and serialised only; EdDSA and ES256 alternating. */
async function signBench(mf: Miniflare) {
  const signer = await workerOf(mf, 'signer');
  const call = async (alg: string, sign: boolean, n = SIGN_N) => {
    const t0 = performance.now();
    const body = JSON.stringify({ alg, n, sign });
    const res = await signer.fetch('https://edge.bench/sign', { method: 'POST', body });
    if (res.status !== 200) throw new Error(`signer: ${res.status} ${await res.text()}`);
    await res.json();
    return performance.now() - t0;
  };
  for (const alg of ['EdDSA', 'ES256']) {
    await call(alg, true);
    await call(alg, false);
  }
  const out: Record<string, number[]> = { EdDSA: [], ES256: [] };
  const claims: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const alg of rotate(['EdDSA', 'ES256'], round)) {
      const signed = await call(alg, true);
      const unsigned = await call(alg, false);
      out[alg]?.push(((signed - unsigned) / SIGN_N) * 1000);
      // The claims alone (their jti included): the unsigned loop minus an empty one.
      if (alg === 'EdDSA') claims.push(((unsigned - (await call(alg, false, 0))) / SIGN_N) * 1000);
    }
  }
  return { EdDSA: median(out.EdDSA ?? []), ES256: median(out.ES256 ?? []), claims: median(claims) };
}

// ---- profile ---------------------------------------------------------------------------------------

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
};

/** A free TCP port on 127.0.0.1 (for the inspector). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Minimal Chrome DevTools Protocol client over workerd's inspector WebSocket. */
async function inspect(port: number, worker: string) {
  type Target = { title: string; webSocketDebuggerUrl: string };
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Target[];
  const target = targets.find((t) => t.title.endsWith(`core:user:${worker}`));
  if (!target) throw new Error(`no inspector target for ${worker}: ${targets.map((t) => t.title).join(', ')}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      pending.set(++id, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Where a sample's function lives: a package, a file of src/, the bench harness, or workerd itself. */
function grouper(code: string) {
  const starts: [number, string][] = [];
  code.split('\n').forEach((line, i) => {
    const m = line.match(/^\/\/ (\S+\.[cm]?[jt]s)$/);
    if (m?.[1]) starts.push([i, m[1]]);
  });
  const moduleAt = (line: number) => {
    let found = 'bench variant';
    for (const [start, path] of starts) if (start <= line) found = path;
    return found;
  };
  return ({ functionName, url, lineNumber }: CpuProfile['nodes'][number]['callFrame']) => {
    if (url.endsWith('harness.mjs')) return 'bench harness (the loop)';
    if (url.endsWith('variant.mjs')) {
      const path = moduleAt(lineNumber);
      const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
      return pkg ? `\`${pkg}\`` : `\`${path}\``;
    }
    const internal = url.match(/^(cloudflare-internal|node-internal):/)?.[1];
    if (internal) return `workerd JS (\`${internal}\`)`;
    return functionName.startsWith('(') ? functionName : `native \`${functionName}\``;
  };
}

/**
 * Samples workerd's V8 profiler over the core ablation of ours (unminified bundle; console dropped, no
 * limiter binding: with an inspector attached, console calls also go to it) and groups self time.
 */
async function profileOurs(urls: Urls) {
  const code = await bundle('ours', false);
  const group = grouper(code);
  const port = await freePort();
  const run = await start([{ name: 'profiled', ...CORE }], urls, { inspectorPort: port, code });
  const repeated = Array<string>(N).fill(mint(7e6));
  const out: Record<Kind, { shares: Map<string, number>; usPerRequest: number; idle: number }> = {} as never;
  try {
    for (let i = 0; i < 3; i++) await loop(run, 'profiled', repeated);
    const cdp = await inspect(port, 'profiled');
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    for (const kind of KINDS) {
      const batches = Array.from({ length: 8 }, (_, b) =>
        kind === 'fresh' ? Array.from({ length: N }, (_, i) => mint(8e6 + b * N + i)) : repeated,
      );
      await cdp.send('Profiler.start');
      let cpu = 0;
      for (const tokens of batches) cpu += (await loop(run, 'profiled', tokens)).cpuMs;
      const usPerRequest = (cpu / (batches.length * N)) * 1000;
      const { profile } = await cdp.send<{ profile: CpuProfile }>('Profiler.stop');
      const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
      // A sample stands for the time since the previous one (a loaded machine delays the sampler). Shares are
      // of the busy time: "(idle)" (waiting for the origin) is counted apart.
      const time = new Map<string, number>();
      profile.samples.forEach((sample, i) => {
        const frame = frameOf.get(sample);
        const g = frame ? group(frame) : '?';
        time.set(g, (time.get(g) ?? 0) + (profile.timeDeltas[i] ?? 0));
      });
      const all = [...time.values()].reduce((a, b) => a + b, 0);
      const idle = (time.get('(idle)') ?? 0) / all;
      time.delete('(idle)');
      const busy = all * (1 - idle);
      const shares = new Map([...time].map(([g, t]) => [g, t / busy]));
      out[kind] = { shares, usPerRequest, idle };
    }
    cdp.close();
  } finally {
    await run.mf.dispose();
  }
  return out;
}

// ---- memory ---------------------------------------------------------------------------------------

const statusKiB = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
  return m ? Number(m[1]) : Number.NaN;
};

type Transfer = { direction: 'upload' | 'download'; bytes: number };
type MemorySample = { before: number; peak: number; sampledPeak: number; ms: number };

/** One transfer through the worker, with workerd's peak RSS over it (MiB). */
async function measureTransfer(mf: Miniflare, pid: number, token: string, t: Transfer): Promise<MemorySample> {
  writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
  const before = statusKiB(pid, 'VmRSS');
  let sampledPeak = before;
  const timer = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, statusKiB(pid, 'VmRSS'));
  }, 5);
  const worker = await workerOf(mf, 'memory');
  const headers = { authorization: `Bearer ${token}` };
  const t0 = performance.now();
  try {
    if (t.direction === 'upload') {
      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(0x33);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= t.bytes) return controller.close();
          const piece = chunk.subarray(0, Math.min(chunk.length, t.bytes - sent));
          sent += piece.length;
          controller.enqueue(piece);
        },
      });
      const init = { method: 'POST', headers, body, duplex: 'half' } as RequestInit;
      const res = await worker.fetch('https://edge.bench/api/upload', init);
      const { bytes } = (await res.json()) as { bytes: number };
      if (bytes !== t.bytes) throw new Error(`upload: origin got ${bytes} of ${t.bytes} bytes`);
    } else {
      const res = await worker.fetch(`https://edge.bench/api/download?bytes=${t.bytes}`, { headers });
      let got = 0;
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) got += r.value.length;
      if (res.status !== 200 || got !== t.bytes) throw new Error(`download: ${res.status}, ${got} of ${t.bytes} bytes`);
    }
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  return { before: before / 1024, peak: statusKiB(pid, 'VmHWM') / 1024, sampledPeak: sampledPeak / 1024, ms };
}

const TRANSFERS: Transfer[] = [
  { direction: 'upload', bytes: MiB },
  { direction: 'upload', bytes: 50 * MiB },
  { direction: 'download', bytes: MiB },
  { direction: 'download', bytes: 50 * MiB },
];
const key = (t: Transfer) => `${t.direction} ${t.bytes / MiB} MiB`;

async function memoryBench(variant: VariantName, urls: Urls) {
  const { mf, pid } = await start([{ name: 'memory', variant }], urls);
  const token = mint(5e6);
  // Warm-up: code, key import, tenant, connections, one transfer of each kind.
  for (const t of TRANSFERS.filter((x) => x.bytes === MiB)) await measureTransfer(mf, pid, token, t);
  const samples = new Map<string, MemorySample[]>();
  for (let r = 0; r < MEMORY_REPEATS; r++) {
    for (const t of TRANSFERS) {
      const sample = await measureTransfer(mf, pid, token, t);
      samples.set(key(t), [...(samples.get(key(t)) ?? []), sample]);
    }
  }
  const idle = statusKiB(pid, 'VmRSS') / 1024;
  await mf.dispose();
  const summary = (xs: MemorySample[]) => ({
    rise: median(xs.map((s) => s.peak - s.before)),
    sampledRise: median(xs.map((s) => s.sampledPeak - s.before)),
    before: median(xs.map((s) => s.before)),
    ms: median(xs.map((s) => s.ms)),
  });
  return { idle, of: (t: Transfer) => summary(samples.get(key(t)) ?? []) };
}

export async function run() {
  rmSync(TMP, { recursive: true, force: true });
  const origin = await benchOrigin();
  const clerk = await fakeClerk(CLERK_JWK);
  const urls = { origin: origin.url, clerk: clerk.url };
  try {
    const cpu = await cpuBench(urls, clerk.stats);
    const profile = await profileOurs(urls);
    const memory = {
      ours: await memoryBench('ours', urls),
      bare: await memoryBench('bare', urls),
      buffering: await memoryBench('buffering', urls),
    };
    return report(cpu, profile, memory, clerk.stats.requests);
  } finally {
    await origin.close();
    await clerk.close();
    rmSync(TMP, { recursive: true, force: true });
  }
}

type Cpu = Awaited<ReturnType<typeof cpuBench>>;
type Profile = Awaited<ReturnType<typeof profileOurs>>;
type Memory = Record<'ours' | 'bare' | 'buffering', Awaited<ReturnType<typeof memoryBench>>>;

function report(cpu: Cpu, profile: Profile, memory: Memory, clerkRequests: number) {
  const m = (p: Proxy, k: Kind) => {
    const xs = cpu.added[p].cpu[k];
    return `${fmt(median(xs))} (${fmt(quantile(xs, 0.25))}–${fmt(quantile(xs, 0.75))})`;
  };
  const r = (p: Proxy, k: Kind, metric: Metric = 'cpu') => fmt(cpu.ratio(p, 'stock', k, metric), 2);
  const w = (p: Proxy, k: Kind) => fmt(median(cpu.added[p].wall[k]), 0);
  const wall = (p: Proxy) => `${w(p, 'fresh')} / ${w(p, 'repeated')}`;
  const wallRatios = (p: Proxy) => `${r(p, 'fresh', 'wall')} / ${r(p, 'repeated', 'wall')}`;
  const cells = (p: Proxy) => [...KINDS.map((k) => m(p, k)), ...KINDS.map((k) => r(p, k)), wall(p), wallRatios(p)];
  const bareCost = `${fmt(median(cpu.bare.cpu.repeated))} µs CPU, ${fmt(median(cpu.bare.wall.repeated))} µs wall`;
  const row = (label: string, p: Proxy) => `| ${label} | ${cells(p).join(' | ')} |`;
  const goal = (p: Proxy, k: Kind, limit: number) => {
    const v = cpu.ratio(p, 'stock', k);
    return `${fmt(v, 2)}× (goal ≤ ${limit}×: ${v <= limit ? 'met' : 'not met'})`;
  };
  const mem = (v: keyof Memory, t: Transfer) => {
    const s = memory[v].of(t);
    return `${fmt(s.rise)} (${fmt(s.sampledRise)})`;
  };
  const memRow = (label: string, v: keyof Memory) => {
    const before = fmt(memory[v].of(TRANSFERS[0] as Transfer).before);
    return `| ${label} | ${before} | ${TRANSFERS.map((t) => mem(v, t)).join(' | ')} |`;
  };
  const repeatedOf = (p: Proxy) => median(cpu.added[p].cpu.repeated);
  const floorShare = fmt((repeatedOf('rewrap') + cpu.signing.EdDSA) / repeatedOf('stock'), 2);
  const sharePct = (alg: 'EdDSA' | 'ES256', p: Proxy) => fmt((cpu.signing[alg] / repeatedOf(p)) * 100, 0);
  const coreShare = sharePct('EdDSA', 'ours_core');
  const idlePct = `${fmt(profile.repeated.idle * 100, 0)} / ${fmt(profile.fresh.idle * 100, 0)} % of the time`;
  const loopUs = `${fmt(profile.repeated.usPerRequest, 0)} / ${fmt(profile.fresh.usPerRequest, 0)}`;
  // Per-round differences between ablations: what the limiter binding and the log output cost.
  const of = (p: Proxy, k: Kind) => cpu.added[p].cpu[k];
  const diff = (a: Proxy, b: Proxy, k: Kind) => fmt(median(pairwise(of(a, k), of(b, k), (x, y) => x - y)));
  const groups = [...new Set([...profile.repeated.shares.keys(), ...profile.fresh.shares.keys()])]
    .map((g) => ({ g, rep: profile.repeated.shares.get(g) ?? 0, fresh: profile.fresh.shares.get(g) ?? 0 }))
    .sort((a, b) => b.rep + b.fresh - (a.rep + a.fresh))
    .slice(0, 14);
  const pct = (x: number) => `${fmt(x * 100, 1)} %`;
  const profileRows = groups
    .map(({ g, rep, fresh }) => {
      const [repUs, freshUs] = [rep * profile.repeated.usPerRequest, fresh * profile.fresh.usPerRequest];
      return `| ${g} | ${pct(rep)} | ${fmt(repUs, 0)} | ${pct(fresh)} | ${fmt(freshUs, 0)} |`;
    })
    .join('\n');
  return `
Added workerd time per proxied \`GET /api/hello\` over a bare pass-through Worker forwarding to the same origin (a Node
server on 127.0.0.1 answering \`ok\`). "CPU" = CPU time of the workerd process (all its threads,
\`/proc/<pid>/task/<tid>/schedstat\`) over the loop, which a descheduled process does not accrue, so it is what the
shared machine's load disturbs least; "wall" = the loop's elapsed time, as the other benches measure. The bare
Worker's own cost per request (workerd → origin → back): ${bareCost}.
µs, median (interquartile range) of ${ROUNDS} rounds × ${N} requests, every variant in every round, in rotating order;
"fresh" = a new session token on every request (same user, own \`sid\`), "repeated" = one token throughout; ratios
are medians of per-round ratios:

| Variant | fresh CPU µs | repeated CPU µs | fresh ÷ stock | repeated ÷ stock | wall µs fresh / rep. | ÷ stock |
|---|---|---|---|---|---|---|
${row('**ours**: the production Worker (`src/index.ts`), Ed25519 key (EdDSA)', 'ours')}
${row('ours, P-256 key (ES256)', 'ours_p256')}
${row('stock `@clerk/hono` clerkMiddleware (jwtKey) + `hono/proxy`', 'stock')}
${row('ablation: ours without the GATEWAY_LIMITER binding', 'ours_nolimiter')}
${row('ablation: ours without the limiter binding and with console output dropped', 'ours_core')}
${row('reference floor: a Worker that only copies and edits headers both ways (new Request, new Response)', 'rewrap')}

Goals, ours as shipped: repeated **${goal('ours', 'repeated', 0.1)}**, fresh **${goal('ours', 'fresh', 0.3)}**.
Without the two local-runtime costs below (the \`ours_core\` ablation): repeated ${goal('ours_core', 'repeated', 0.1)},
fresh ${goal('ours_core', 'fresh', 0.3)}.

Where ours' time goes (per-round differences of the rows above, CPU µs fresh / repeated):
- the GATEWAY_LIMITER call: ${diff('ours', 'ours_nolimiter', 'fresh')} / ${diff('ours', 'ours_nolimiter', 'repeated')}.
  Miniflare simulates the Workers Rate Limiting binding as an HTTP request to a SQLite-backed Durable Object
  (\`miniflare/dist/src/workers/ratelimit/\`), so this is the simulator's cost, not the production binding's (which
  this bench cannot measure);
- writing the access-log line (one \`console.log\` per request; Miniflare pipes workerd's output to Node):
  ${diff('ours_nolimiter', 'ours_core', 'fresh')} / ${diff('ours_nolimiter', 'ours_core', 'repeated')};
- everything else, our own code: ${m('ours_core', 'fresh')} / ${m('ours_core', 'repeated')}.
  Its profile (workerd's V8 sampling profiler over the \`ours_core\` ablation, unminified bundle, self time grouped
  by module, samples weighted by their time deltas; share of the busy samples, the isolate being idle (waiting for
  the origin) ${idlePct}; ≈ µs = share × the workerd CPU time per request while profiled, ${loopUs} µs, which
  includes the pass-through work the bare Worker does too, and the profiler's own overhead):

| Self time in | repeated: share | ≈ µs | fresh: share | ≈ µs |
|---|---|---|---|---|
${profileRows}

Reading: the goals assumed stock's overhead is mostly its per-request verification (true: see the auth section) and
ours a cache lookup. Ours' verification is a cache lookup (fresh − repeated is one RSA verification), but
forwarding through the whole Worker costs about as much CPU as stock's verification does: no single item
dominates. The floor row is what a header-rewriting proxy pays here before any framework, verification
or assertion: ${m('rewrap', 'repeated')} µs repeated (${r('rewrap', 'repeated')}× stock); with the EdDSA
signing alone (below) that is ${floorShare}× stock, against a repeated-token goal of 0.1×. The profile's items are
spread thin: the Hono app (middleware chain, router, and the \`Response\` copies Hono makes when a middleware sets
headers on \`c.res\` both before the handler and after it, as the CORS middleware does), header hygiene on both legs,
the access-log line's formatting, the assertion, the origin timeout's timer. A sampling profile on a loaded 2-core
machine is indicative only (the same code's share moves between the two profiles above, and self time can include
natives a function calls); the direct measures are the ablation rows, the floor row and the
assertion loop.

What each does per request: ours runs the whole Worker (request id, access log, secure headers, config, CORS,
path normalisation and route match, session verification with its per-token result cache, GATEWAY_LIMITER, the
caller's tenant from the isolate cache, an assertion signed per request, header rewriting both ways, origin timeout).
Stock verifies the token on every request (RSA, no result cache) and forwards user and session ids as plain
headers: no assertion, no stripping of client-sent identity headers, no tenant or rate limit. Both verify
networklessly (\`CLERK_JWT_KEY\`); the fake Clerk on 127.0.0.1 received ${clerkRequests} request(s) in the whole run.
Checked before timing: the origin saw the identity headers and no \`Authorization\`; ours' assertion verified with
\`jose\` (${Object.entries(cpu.verified)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ')}).

The assertion alone (the gateway's \`assertionClaims\` + \`signAssertion\` looped ${SIGN_N}× in workerd; signing =
the loop that signs minus the loop that only builds and serialises the claims):

| Key | µs per assertion signed | share of ours' repeated-token added time |
|---|---|---|
| Ed25519 (EdDSA) | ${fmt(cpu.signing.EdDSA)} | ${sharePct('EdDSA', 'ours')} % (of \`ours_core\`'s: ${coreShare} %) |
| P-256 (ES256) | ${fmt(cpu.signing.ES256)} | ${sharePct('ES256', 'ours_p256')} % |

Building the claims (\`assertionClaims\`, a \`crypto.randomUUID()\` \`jti\` included) adds
${fmt(cpu.signing.claims)} µs to either. Wall time of a CPU-bound loop in one isolate,
so it is CPU time too; the dev default (\`npm run dev\`) is Ed25519.

workerd memory: peak RSS rise over one transfer through the gateway, MiB, median of ${MEMORY_REPEATS} (in brackets: the
rise seen by sampling VmRSS every 5 ms); each Worker in a fresh Miniflare (its own workerd process), after a 1 MiB
warm-up each way:

| Worker | RSS before, MiB | upload 1 MiB | upload 50 MiB | download 1 MiB | download 50 MiB |
|---|---|---|---|---|---|
${memRow('**ours** (the production Worker)', 'ours')}
${memRow('bare pass-through', 'bare')}
${memRow('control: buffers the body (`arrayBuffer()`) both ways', 'buffering')}

Method: the workerd process is this Node process's child named \`workerd\` (Miniflare starts one per instance);
before each transfer \`5\` is written to \`/proc/<pid>/clear_refs\`, which resets the kernel's peak-RSS counter
(\`VmHWM\`) to the current RSS; after it, \`VmHWM\` minus the \`VmRSS\` before is the rise. Uploads are a 64 KiB-chunk
stream from Node (\`duplex: 'half'\`) that the origin drains; downloads are streamed by the origin with backpressure
and read by Node chunk by chunk. Flat = the 50 MiB rise is about the 1 MiB one; the control shows what buffering
looks like with the same method.
`;
}
