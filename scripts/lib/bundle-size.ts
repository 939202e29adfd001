// The sizes `npm run build` reports: the Worker's bundle as wrangler measures it (the gzip figure is the one
// Cloudflare limits and cold starts pay for) and the static assets (public/), uploaded beside the Worker, apart.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The Worker's budget: its bundle, gzip, as `wrangler deploy --dry-run` reports it. */
export const WORKER_GZIP_BUDGET_KIB = 100;

/** `Total Upload: 294.89 KiB / gzip: 95.58 KiB` from wrangler's output; undefined when absent. */
export function uploadSize(output: string): { kib: number; gzipKib: number } | undefined {
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  return m ? { kib: Number(m[1]), gzipKib: Number(m[2]) } : undefined;
}

export type AssetSize = { files: number; bytes: number; gzipBytes: number };

/**
 * The files under `dir` (the `[assets]` directory) grouped by their first path segment (`console`, `docs`,
 * `openapi.json`): how many, their bytes, and the sum of each one's gzip.
 */
export function assetSizes(dir: string): Map<string, AssetSize> {
  const groups = new Map<string, AssetSize>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const group = relative(dir, path).split(sep)[0] as string;
    const content = readFileSync(path);
    const size = groups.get(group) ?? { files: 0, bytes: 0, gzipBytes: 0 };
    size.files += 1;
    size.bytes += content.length;
    size.gzipBytes += gzipSync(content, { level: 9 }).length;
    groups.set(group, size);
  }
  return groups;
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
