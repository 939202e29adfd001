// Worker entry for bench/webhooks.bench.ts, bundled by wrangler like production. Routes:
//   POST /api/webhooks/clerk      the production worker (src/index.ts), untouched
//   POST /verify-only             baseline: same middleware, body read, Svix verification and
//                                 JSON parse as the real route, then 200 — no storage
//   POST /verify-one-write        the same plus the smallest durable D1 write (one one-statement
//                                 batch): the floor for anything that must store an event
//   POST /counted/api/webhooks/clerk  the production worker with a D1 binding that counts
//                                 round trips (batches, single queries, statements per batch)
//   GET  /__bench/d1              those counts
//   POST /dry/api/webhooks/clerk  the production worker with a D1 binding that answers every
//                                 batch instantly without executing it: our own CPU cost
//                                 (verify, fold, build statements) without D1's
//   POST /__bench/gzip?n=&op=     gzips (op=gzip) or gzips then gunzips (op=both) the body n times, as the
//                                 payload store does once per webhook: timed from Node against n=0
import type { Context } from 'hono';
import { createBaseApp } from '../src/base-app';
import type { AppEnv, Bindings } from '../src/env';
import { AppError } from '../src/errors';
import { requireConfig } from '../src/http/middleware';
import worker from '../src/index';
import { gunzipText, gzipText } from '../src/lib/gzip';
import { readBodyLimited } from '../src/lib/read-body';
import { createServices } from '../src/services/services';
import { parseClerkEvent } from '../src/webhooks/clerk-event';
import { SvixVerifiers, verifyDelivery } from '../src/webhooks/verify-webhook';
import { MAX_WEBHOOK_BYTES } from '../src/webhooks/webhook-route';

// The Durable Objects the Worker's configuration binds (wrangler bundles this file with wrangler.toml).
export { Revocations } from '../src/index';

// The service's base app (its first middlewares, onError and notFound), as the real route runs behind.
const verifyOnly = createBaseApp(createServices());
const svixVerifiers = new SvixVerifiers();
const verifyHandler = (oneWrite: boolean) => async (c: Context<AppEnv>) => {
  const body = await readBodyLimited(c.req.raw, MAX_WEBHOOK_BYTES);
  if (!body.ok) throw new AppError('invalid_request');
  const secret = c.get('config').CLERK_WEBHOOK_SIGNING_SECRET; // present: requireConfig ran first
  if (!secret) throw new AppError('internal');
  const verified = verifyDelivery(
    secret,
    {
      id: c.req.header('svix-id'),
      timestamp: c.req.header('svix-timestamp'),
      signature: c.req.header('svix-signature'),
    },
    body.value,
    svixVerifiers,
  );
  if (!verified.ok || !parseClerkEvent(body.value).ok) throw new AppError('invalid_request');
  if (oneWrite) {
    await c.env.DB.batch([
      c.env.DB.prepare(
        "insert into job_state (name, value, updated_at) values ('bench', ?1, ?2) " +
          'on conflict (name) do update set value = excluded.value, updated_at = excluded.updated_at',
      ).bind(verified.value.svixId, Date.now()),
    ]);
  }
  return c.json({ received: true });
};
verifyOnly.post('/verify-only', requireConfig('CLERK_WEBHOOK_SIGNING_SECRET'), verifyHandler(false));
verifyOnly.post('/verify-one-write', requireConfig('CLERK_WEBHOOK_SIGNING_SECRET'), verifyHandler(true));

const counts = { requests: 0, batches: 0, statements: 0, queries: 0 };

/** A D1 binding that forwards everything and counts what reaches D1. */
function countingD1(real: D1Database): D1Database {
  const realOf = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const counted =
      (name: 'first' | 'all' | 'raw' | 'run') =>
      (...args: unknown[]) => {
        counts.queries += 1;
        return (stmt[name] as (...a: unknown[]) => unknown)(...args);
      };
    const proxy = {
      bind: (...args: unknown[]) => wrap(stmt.bind(...args)),
      first: counted('first'),
      all: counted('all'),
      raw: counted('raw'),
      run: counted('run'),
    };
    realOf.set(proxy, stmt);
    return proxy as unknown as D1PreparedStatement;
  };
  const counting = {
    prepare: (sql: string) => wrap(real.prepare(sql)),
    batch: (statements: D1PreparedStatement[]) => {
      counts.batches += 1;
      counts.statements += statements.length;
      return real.batch(statements.map((s) => realOf.get(s) ?? s));
    },
    exec: (sql: string) => {
      counts.queries += 1;
      return real.exec(sql);
    },
  };
  return counting as unknown as D1Database;
}

/** A D1 binding that executes nothing: each batch "succeeds" at once (one row per statement). */
function dryD1(): D1Database {
  const stmt = {
    bind: () => stmt,
    first: async () => null,
    all: async () => ({ results: [] }),
    raw: async () => [],
    run: async () => ({}),
  };
  const dry = {
    prepare: () => stmt,
    batch: async (statements: unknown[]) =>
      statements.map(() => ({ success: true, results: [{ svix_id: 'dry' }], meta: {} })),
  };
  return dry as unknown as D1Database;
}

const countedEnv = new WeakMap<Bindings, Bindings>();
const dryEnv = new WeakMap<Bindings, Bindings>();

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/verify-')) return verifyOnly.fetch(request, env, ctx);
    if (url.pathname === '/__bench/d1') return Response.json(counts);
    if (url.pathname === '/__bench/gzip') {
      const body = await request.text();
      const n = Number(url.searchParams.get('n') ?? 0);
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const packed = await gzipText(body);
        bytes = packed.length;
        if (url.searchParams.get('op') === 'both' && (await gunzipText(packed)) !== body) throw new Error('gzip');
      }
      return Response.json({ raw: new TextEncoder().encode(body).length, gzip: bytes });
    }
    if (url.pathname.startsWith('/counted/')) {
      counts.requests += 1;
      let wrapped = countedEnv.get(env);
      if (!wrapped) {
        wrapped = { ...env, DB: countingD1(env.DB) };
        countedEnv.set(env, wrapped);
      }
      url.pathname = url.pathname.slice('/counted'.length);
      return worker.fetch(new Request(url, request), wrapped, ctx);
    }
    if (url.pathname.startsWith('/dry/')) {
      let dry = dryEnv.get(env);
      if (!dry) {
        dry = { ...env, DB: dryD1() };
        dryEnv.set(env, dry);
      }
      url.pathname = url.pathname.slice('/dry'.length);
      return worker.fetch(new Request(url, request), dry, ctx);
    }
    return worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Bindings>;
