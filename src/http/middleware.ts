import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { openDatabase } from '../db/database';
import { BOOKMARK_HEADER, openReadSession, type ReadSession } from '../db/read-session';
import { type AppEnv, type Config, type ConfigName, problemsFor } from '../env';
import { AppError } from '../errors';
import { redact } from '../lib/log';
import { factory } from './factory';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id: always the edge's own (Cloudflare's `cf-ray` when well-formed, else a fresh UUID), so an id in the
 * edge's logs and in the origin's `x-request-id` is never a client's choice. A well-formed client `x-request-id`
 * is kept only as `clientRequestId`, logged beside it for tracing. Echoed on every response.
 */
export const requestId = factory.createMiddleware(async function requestId(c, next) {
  const id = setRequestIds(c);
  await next();
  c.res.headers.set('x-request-id', id);
});

/** Sets `requestId` (and a well-formed client id as `clientRequestId`) on `c`; returns the edge's id. */
export function setRequestIds(c: Context<AppEnv>): string {
  const headers = c.req.raw.headers;
  const ray = headers.get('cf-ray');
  const id = ray && REQUEST_ID.test(ray) ? ray : crypto.randomUUID();
  const client = headers.get('x-request-id');
  c.set('requestId', id);
  if (client && REQUEST_ID.test(client)) c.set('clientRequestId', client);
  return id;
}

declare module '../env' {
  interface Variables {
    /** A well-formed `x-request-id` the client sent (logged; never used as the edge's id). */
    clientRequestId?: string;
  }
}

/**
 * Parsed configuration (once per isolate: `services.configs`), the Drizzle client on the primary (`db`, once per
 * binding), and the request's D1 session (`sessionDb()`), opened only when first used so a
 * request answered from caches touches no D1 at all. The session starts at the client's
 * `x-d1-bookmark` when it is well-formed, else `first-unconstrained` (any replica); a
 * response that used it carries its newest bookmark back.
 */
export const context = factory.createMiddleware(async function context(c, next) {
  c.set('config', c.var.services.configs.get(c.env));
  c.set('db', openDatabase(c.env.DB));
  let session: ReadSession | undefined;
  c.set('sessionDb', (start) => {
    session ??= openReadSession(c.env.DB, c.req.header(BOOKMARK_HEADER), start);
    return session.db;
  });
  await next();
  const bookmark = session?.bookmark();
  if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark);
});

/** One JSON access-log line per request; never the query string (it may hold tokens). */
export const accessLog = factory.createMiddleware(async function accessLog(c, next) {
  const start = Date.now();
  await next();
  logAccess(c, c.req.path, c.res.status, Date.now() - start);
});

/**
 * Writes the access-log line: the line `log('info', 'request', …)` writes, built directly (this runs on every
 * request). Its field names are fixed and none is sensitive, so only the values a client chooses pass through
 * `redact` (the path may hold a token; the request id is the edge's own).
 */
export function logAccess(c: Context<AppEnv>, path: string, status: number, ms: number): void {
  const clientRequestId = c.get('clientRequestId');
  const line = JSON.stringify({
    level: 'info',
    event: 'request',
    time: new Date().toISOString(),
    requestId: c.get('requestId'),
    clientRequestId: clientRequestId === undefined ? undefined : redact(clientRequestId),
    method: redact(c.req.raw.method),
    path: redact(path),
    status,
    ms,
  });
  console.log(line);
}

/** `Config` with `N` known to be present (after `requireConfig(...N)`). */
export type ConfigWith<N extends ConfigName> = Config & { [K in N]-?: NonNullable<Config[K]> };

/**
 * Answers 503 `misconfigured` when any of `names` is missing or malformed; after it, handlers see
 * `c.var.config` with those names present (no `as string`).
 */
export function requireConfig<const N extends ConfigName>(
  ...names: N[]
): MiddlewareHandler<{ Bindings: AppEnv['Bindings']; Variables: AppEnv['Variables'] & { config: ConfigWith<N> } }> {
  const check = factory.createMiddleware(async function requireConfig(c, next) {
    const problems = problemsFor(c.get('config'), names);
    if (problems.length > 0) {
      throw new AppError('misconfigured', { detail: { problems }, extra: { missing: problems.map((p) => p.name) } });
    }
    await next();
  });
  // The check above is what makes the narrower type true.
  return check as unknown as MiddlewareHandler<{
    Bindings: AppEnv['Bindings'];
    Variables: AppEnv['Variables'] & { config: ConfigWith<N> };
  }>;
}

const secure = secureHeaders();

/**
 * `hono/secure-headers` on the edge's own responses. Not on the API origin's (the gateway sets
 * `c.var.forwarded`): those reach the client with the origin's headers as they came.
 */
export const edgeSecureHeaders = factory.createMiddleware(async function edgeSecureHeaders(c, next) {
  await next();
  if (!c.get('forwarded')) await addSecureHeaders(c);
});

/** The security headers of an edge response, set on `c.res` (the edge's own responses only). */
export async function addSecureHeaders(c: Context<AppEnv>): Promise<void> {
  await secure(c, async () => {});
}
