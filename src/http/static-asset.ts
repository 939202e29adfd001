import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import { etagOf, matchesIfNoneMatch } from '../lib/http-cache';

/**
 * Public and identical for everyone, changed only by a deploy: a CDN may keep it for five
 * minutes and serve it stale while revalidating; the ETag (content hash) makes revalidation
 * a bodiless 304.
 */
export const STATIC_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=600';

type Loaded = { body: string; etag: string };

/**
 * Serves one file of the Worker's static assets (wrangler.toml `[assets]`: the `public/` folder, outside the
 * Worker's bundle) with the headers given, a content-hash ETag and 304s. The Worker runs first for every
 * request (`run_worker_first`), so a file is reachable only through a route like this one; it is read from the
 * `ASSETS` binding once per isolate (a failed read is retried on the next request).
 */
export function staticAsset(path: string, headers: Record<string, string>) {
  let loaded: Promise<Loaded> | undefined;
  return async (c: Context<AppEnv>) => {
    // A deployment without the `[assets]` binding is misconfigured (503, named), not an internal error.
    if (!c.env.ASSETS) throw new AppError('misconfigured', { extra: { missing: ['ASSETS'] } });
    loaded ??= load(c.env.ASSETS, new URL(path, c.req.url)).catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    const { body, etag } = await loaded;
    const all = { ...headers, etag, 'cache-control': STATIC_CACHE_CONTROL };
    // RFC 9110 §15.4.5: a 304 repeats ETag and Cache-Control.
    if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304, all);
    return c.body(body, 200, all);
  };
}

async function load(assets: Fetcher, url: URL): Promise<Loaded> {
  const res = await assets.fetch(url);
  if (!res.ok) throw new Error(`static asset ${url.pathname}: ${res.status}`);
  const body = await res.text();
  return { body, etag: await etagOf(body) };
}
