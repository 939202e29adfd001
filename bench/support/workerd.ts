// The prelude of the benches that run variants in Miniflare (real workerd) from Node: the Miniflare options shape,
// the Clerk bindings every variant gets, the loop harness's modules, and a Node-typed handle on a worker.
//
// How the CPU benches time: workerd freezes Date.now()/performance.now() inside a request, so time is taken from
// outside. One dispatched request to a harness runs a loop of N inner requests through the variant's fetch
// handler, so dispatch overhead is amortised; a CPU-bound request in a single-threaded isolate makes wall ≈ CPU.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { bundleForWorkerd } from './bundle.ts';

/** The repository root, with a trailing slash (variants import `${ROOT}src/…`). */
export const ROOT = new URL('../../', import.meta.url).pathname;
/** Scratch space of a bench (git-ignored), removed after the run. */
export const benchTmp = (bench: string) => `${ROOT}.bench-tmp/${bench}`;

export const BENCH_AZP = 'https://app.fulcrum.test';
export const BENCH_PK = 'pk_test_ZnVsY3J1bS5jbGVyay5hY2NvdW50cy5kZXYk';
export const BENCH_SK = 'sk_test_bench_secret_key';
/** A Clerk Backend API host nothing answers but a bench's outbound service. */
export const BENCH_CLERK_API = 'https://api.clerk.bench';

/** The Clerk configuration every variant gets (`jwtKey`: CLERK_JWT_KEY, empty for JWKS mode). */
export function clerkBindings({ jwtKey, apiUrl = BENCH_CLERK_API }: { jwtKey: string; apiUrl?: string }) {
  return {
    CLERK_SECRET_KEY: BENCH_SK,
    CLERK_PUBLISHABLE_KEY: BENCH_PK,
    CLERK_API_URL: apiUrl,
    CLERK_AUTHORIZED_PARTIES: BENCH_AZP,
    CLERK_JWT_KEY: jwtKey,
  };
}

// Miniflare 5 (bundled with this wrangler) takes a new config shape; its converter accepts the v4 options.
export type V4Options = Parameters<typeof convertV4MiniflareOptions>[0];
export const miniflare = (options: V4Options) => new Miniflare(convertV4MiniflareOptions(options));
/** Worker logs and request lines are swallowed, not printed. */
export const quiet = { handleStructuredLogs: () => {}, logRequests: false };
export const COMPATIBILITY_DATE = '2026-08-01';

/** Bundles `source` as `${dir}/variant.mjs` (esbuild, as wrangler bundles the Worker) and returns its code. */
export async function bundleVariant(
  dir: string,
  source: string,
  { minify = true, plugins = [] as Plugin[] } = {},
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/variant.ts`, source);
  await bundleForWorkerd(`${dir}/variant.ts`, `${dir}/variant.mjs`, { minify, plugins });
  return readFileSync(`${dir}/variant.mjs`, 'utf8');
}

/** A worker's modules: the loop harness (its main module, importing `./variant.mjs`) and the bundled variant. */
export const loopModules = (dir: string, harness: string, variant: string) => [
  { type: 'ESModule', path: `${dir}/harness.mjs`, contents: harness },
  { type: 'ESModule', path: `${dir}/variant.mjs`, contents: variant },
];

// Miniflare types its fetcher with workerd's types, which a Node project does not load: Node's fetch shape.
export type Fetcher = { fetch: typeof fetch };
export const workerOf = async (mf: Miniflare, name: string) => (await mf.getWorker(name)) as unknown as Fetcher;
