// Bundles a bench variant for Miniflare's workerd the way wrangler bundles the Worker.
import * as esbuild from 'esbuild';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * `minify: false` keeps function names and esbuild's `// path` comment at each module's start (for profiles);
 * `plugins` let a variant swap one module for another (an ablation: the same code without one middleware).
 */
export async function bundleForWorkerd(
  entry: string,
  outfile: string,
  { minify = true, plugins = [] as esbuild.Plugin[] } = {},
): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    minify,
    plugins,
    external: ['cloudflare:*', 'node:*'],
    nodePaths: [`${ROOT}node_modules`],
    logLevel: 'silent',
    // As wrangler does. @clerk/backend's runtime reads process.env.NODE_ENV when it fetches the JWKS.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
}
