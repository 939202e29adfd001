// Gateway CPU: what the gateway adds to a proxied request in workerd, against a bare pass-through Worker and against
// stock @clerk/hono `clerkMiddleware` + `hono/proxy`, in one run, with ablations of ours (limiter binding, console).
// Added cost = (variant's loop − the bare pass-through's loop in the same round) ÷ N, as workerd CPU time (all its
// threads) and as wall time. Rounds rotate the order of the variants; medians of rounds; ratios are medians of
// per-round ratios.
import os from 'node:os';
import { importJWK, jwtVerify } from 'jose';
import type { Miniflare } from 'miniflare';
import { medianRatio, rotate } from '../support/stats.ts';
import { sessionToken } from '../support/tokens.ts';
import { workerOf } from '../support/workerd.ts';
import { AUDIENCE, ED25519, N, P256, ROUNDS } from './setup.ts';
import { signBench } from './signing.ts';
import { loop, start, type Timing, type Urls, type Worker } from './workerd.ts';

/** A session token of the one bench user; `i` makes it a distinct string (its own `sid`). */
export const mint = (i: number) => sessionToken({ sid: `sess_${i}` });

// Ablations of ours (same bundle): without the GATEWAY_LIMITER binding (the gateway fails open, logging that
// once), and also with console output dropped: what is left is our own code.
// As shipped, ours has METRICS and REVOCATIONS bound, as deployed (wrangler.toml).
const SHIPPED: Omit<Worker, 'name'> = { variant: 'ours', metrics: true, revocations: true };
const NO_LIMITER: Omit<Worker, 'name'> = { ...SHIPPED, noLimiter: true };
// The core ablation keeps METRICS bound (the recorder on) but not REVOCATIONS: `ours_core_revocation` adds it.
export const CORE: Omit<Worker, 'name'> = {
  variant: 'ours',
  metrics: true,
  noLimiter: true,
  bindings: { BENCH_SILENT: '1' },
};
const CPU_WORKERS: Worker[] = [
  { name: 'bare', variant: 'bare' },
  { name: 'ours', ...SHIPPED },
  { name: 'ours_p256', ...SHIPPED, bindings: { EDGE_SIGNING_KEY: P256.secret } },
  { name: 'ours_nolimiter', ...NO_LIMITER },
  { name: 'ours_core', ...CORE },
  { name: 'ours_core_chain', ...CORE, variant: 'ours_chain' },
  { name: 'ours_core_norecorder', ...CORE, variant: 'ours_norecorder' },
  { name: 'ours_core_revocation', ...CORE, revocations: true },
  { name: 'ours_core_unsigned', ...CORE, variant: 'ours_unsigned' },
  { name: 'stock', variant: 'stock' },
  { name: 'stock_limited', variant: 'stock_limited' },
  { name: 'rewrap', variant: 'rewrap' },
  { name: 'signer', variant: 'signer', bindings: { KEY_ED25519: ED25519.secret, KEY_P256: P256.secret } },
];
export const PROXIES = [
  'ours',
  'ours_p256',
  'ours_nolimiter',
  'ours_core',
  'ours_core_chain',
  'ours_core_norecorder',
  'ours_core_revocation',
  'stock',
  'stock_limited',
  'rewrap',
] as const;
export type ProxyName = (typeof PROXIES)[number];
/**
 * The in-isolate table's variants (their origin answered inside the isolate): our code, the same without the
 * signature (in this table only: its difference is a few tens of µs, which the network table's noise hides), stock,
 * the floor.
 */
export const IN_ISOLATE = ['ours_core', 'ours_core_unsigned', 'stock', 'rewrap'] as const;
export type InIsolateName = (typeof IN_ISOLATE)[number];
export const KINDS = ['fresh', 'repeated'] as const;
export type Kind = (typeof KINDS)[number];

/** One request through each variant to /api/echo: what reached the origin, and ours' assertion verified with jose. */
async function checkForwarding(mf: Miniflare, token: string) {
  const seen: Record<string, Record<string, string>> = {};
  for (const name of ['bare', 'ours', 'ours_p256', 'stock', 'stock_limited']) {
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
  for (const name of ['stock', 'stock_limited'])
    if (seen[name]?.['x-fulcrum-user-id'] !== 'user_bench' || seen[name]?.authorization)
      throw new Error(`${name}: unexpected forwarded identity`);
  return verified;
}

const METRICS = ['cpu', 'wall'] as const;
export type Metric = (typeof METRICS)[number];
type Series = Record<Metric, Record<Kind, number[]>>;
const series = (): Series => ({ cpu: { fresh: [], repeated: [] }, wall: { fresh: [], repeated: [] } });

export async function cpuBench(urls: Urls) {
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
  const load = [os.loadavg()[0] ?? Number.NaN];
  const added = Object.fromEntries(PROXIES.map((p) => [p, series()])) as Record<ProxyName, Series>;
  const bare = series();
  const inIsolate = Object.fromEntries(IN_ISOLATE.map((p) => [p, series()])) as Record<InIsolateName, Series>;
  const isolated = ['bare', ...IN_ISOLATE];
  for (const name of isolated) await loop(run, name, repeated.slice(0, 100), { inIsolate: true });
  let nextToken = 1;
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = Array.from({ length: N }, () => mint(nextToken++));
    // Tokens none of the isolates has seen, for the in-isolate loops (ours_core's result cache has seen `fresh`).
    const freshInIsolate = Array.from({ length: N }, () => mint(nextToken++));
    for (const kind of KINDS) {
      const tokens = kind === 'fresh' ? fresh : repeated;
      const t: Record<string, Timing> = {};
      for (const name of rotate(names, round + (kind === 'fresh' ? 0 : 2))) t[name] = await loop(run, name, tokens);
      for (const metric of METRICS) {
        const of = (name: string) => ((metric === 'cpu' ? t[name]?.cpuMs : t[name]?.ms) ?? NaN) / N;
        bare[metric][kind].push(of('bare') * 1000);
        for (const p of PROXIES) added[p][metric][kind].push((of(p) - of('bare')) * 1000);
      }
      // With the origin answered inside the isolate.
      const i: Record<string, Timing> = {};
      const isolatedTokens = kind === 'fresh' ? freshInIsolate : repeated;
      for (const name of rotate(isolated, round)) i[name] = await loop(run, name, isolatedTokens, { inIsolate: true });
      for (const metric of METRICS) {
        const of = (name: string) => ((metric === 'cpu' ? i[name]?.cpuMs : i[name]?.ms) ?? NaN) / N;
        for (const p of IN_ISOLATE) inIsolate[p][metric][kind].push((of(p) - of('bare')) * 1000);
      }
    }
  }
  load.push(os.loadavg()[0] ?? Number.NaN);
  const signing = await signBench(run.mf, repeatedToken);
  await run.mf.dispose();
  const ratio = (a: ProxyName, b: ProxyName, kind: Kind, metric: Metric = 'cpu') =>
    medianRatio(added[a][metric][kind], added[b][metric][kind]);
  const isolatedRatio = (a: InIsolateName, kind: Kind, metric: Metric = 'cpu') =>
    medianRatio(inIsolate[a][metric][kind], inIsolate.stock[metric][kind]);
  return { added, bare, ratio, inIsolate, isolatedRatio, signing, verified, load };
}
