// Running the gateway bench's Workers: one Miniflare (its own workerd process, found as this process's child named
// `workerd`) per measurement, the loop of inner requests, and the workerd process's CPU time read from /proc.
// Each inner request really goes out of workerd to the Node origin on 127.0.0.1 (bench/gateway/origin.ts).
import { readdirSync, readFileSync } from 'node:fs';
import type { Miniflare } from 'miniflare';
import { applyMigrations } from '../../scripts/lib/migrations.ts';
import { CLERK_PEM } from '../support/tokens.ts';
import {
  bundleVariant,
  COMPATIBILITY_DATE,
  clerkBindings,
  loopModules,
  miniflare,
  quiet,
  type V4Options,
  workerOf,
} from '../support/workerd.ts';
import { AUDIENCE, ED25519, TMP } from './setup.ts';
import { HARNESS, VARIANTS, type VariantName } from './variants.ts';

export const bundle = (name: VariantName, minify = true) =>
  bundleVariant(`${TMP}/${name}${minify ? '' : '-unminified'}`, VARIANTS[name], { minify });

export type Urls = { origin: string; clerk: string };
export type Worker = {
  name: string;
  variant: VariantName;
  bindings?: Record<string, string>;
  noLimiter?: boolean;
  /** The REVOCATIONS object bound (1,000 entries written before timing; the isolate's copy refreshed each 60 s). */
  revocations?: boolean;
  /** The METRICS Analytics Engine dataset bound (the recorder writes a data point per request). */
  metrics?: boolean;
};

const UNREACHABLE_LIMIT = { namespace_id: '1303', simple: { limit: 1_000_000_000, period: 60 } };

function workerOptions(w: Worker, code: string, urls: Urls) {
  return {
    name: w.name,
    modules: loopModules(`${TMP}/${w.name}`, HARNESS, code),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: {
      ...clerkBindings({ jwtKey: CLERK_PEM, apiUrl: urls.clerk }),
      GATEWAY_ROUTES: JSON.stringify([{ prefix: '/api/' }]),
      ORIGIN_URL: urls.origin,
      EDGE_AUDIENCE: AUDIENCE,
      EDGE_SIGNING_KEY: ED25519.secret,
      ...(w.revocations ? { REVOCATION_REFRESH_MS: '60000' } : {}),
      ...w.bindings,
    },
    ...(w.revocations ? { durableObjects: { REVOCATIONS: { className: 'Revocations', useSQLite: true } } } : {}),
    ...(w.metrics ? { analyticsEngineDatasets: { METRICS: { dataset: 'gateway_bench' } } } : {}),
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

export async function start(workers: Worker[], urls: Urls, { inspectorPort, code }: StartOptions = {}) {
  const codes = new Map<VariantName, string>();
  for (const w of workers) if (!codes.has(w.variant)) codes.set(w.variant, code ?? (await bundle(w.variant)));
  const existing = workerdChildren();
  const mf = miniflare({
    ...quiet,
    ...(inspectorPort ? { inspectorPort } : {}),
    workers: workers.map((w) => workerOptions(w, codes.get(w.variant) ?? '', urls)),
  } as V4Options);
  await mf.ready;
  const pids = [...workerdChildren()].filter((p) => !existing.has(p));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  // Ours reads (and on first sight creates) the caller's tenant.
  await applyMigrations(await mf.getD1Database('DB', workers[0]?.name));
  for (const w of workers.filter((w) => w.revocations)) {
    const res = await (await workerOf(mf, w.name)).fetch('https://edge.bench/', { headers: { 'x-bench-seed': '1' } });
    if (!res.ok) throw new Error(`${w.name}: seeding the deny set failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  }
  return { mf, pid: pids[0] as number };
}

export type Run = { mf: Miniflare; pid: number };
export type Timing = { ms: number; cpuMs: number };

/**
 * One loop of inner requests: its wall time and the workerd process's CPU time over it, ms. `inIsolate`: the
 * variant's fetch to its origin is answered inside the isolate (the harness's fake), no network.
 */
export async function loop(
  { mf, pid }: Run,
  name: string,
  tokens: string[],
  { path = '/api/hello', inIsolate = false } = {},
): Promise<Timing> {
  const worker = await workerOf(mf, name);
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const res = await worker.fetch('https://edge.bench/', {
    method: 'POST',
    headers: { 'x-bench-loop': '1' },
    body: JSON.stringify({ path, tokens, inIsolate }),
  });
  const out = (await res.json()) as { ok: number; last: string };
  const ms = performance.now() - t0;
  const cpu = cpuMs(pid) - cpu0;
  if (out.ok !== tokens.length) throw new Error(`${name}: ${out.ok}/${tokens.length} answered 200; last: ${out.last}`);
  return { ms, cpuMs: cpu };
}
