import { factory } from './factory';

/**
 * Tenant-scoped responses are per caller: no shared cache (CDN, proxy) may store them, and
 * browsers should not keep them either (RFC 9111 §5.2.2.3/§5.2.2.7). Handlers that chose
 * their own Cache-Control (e.g. 401/503 `no-store`) keep it.
 */
export const privateNoStore = factory.createMiddleware(async function privateNoStore(c, next) {
  await next();
  if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'private, no-store');
});
