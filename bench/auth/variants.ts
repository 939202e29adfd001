// The auth bench's variants (bench/auth.bench.ts): each a Hono app with a bare route (`/health`) and the
// authenticated `/v1/me`. Every 'ours' variant builds on the service's base app (src/base-app.ts: the first
// middlewares, onError and notFound, as src/app.ts builds on it), with the same trivial handler as the others: the
// full app's /v1/me also loads the tenant, which is not verification (bench/replicas.bench.ts measures that path).
import type { Plugin } from 'esbuild';
import { ROOT } from '../support/workerd.ts';

const OURS = `import { sessionAuth } from '${ROOT}src/auth/session-middleware.ts';
    import { outcomeOf } from '${ROOT}src/metrics/record-metrics.ts';
    import { createBaseApp } from '${ROOT}src/base-app.ts';
    import { createServices } from '${ROOT}src/services/services.ts';
    const app = createBaseApp(createServices());
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', sessionAuth);
    app.get('/v1/me', (c) => { const a = c.get('auth'); return c.json({ userId: a.userId, sessionId: a.sessionId }); });
    // The recorder's own work, repeated: what recordMetrics does after an authenticated request (the outcome from
    // the context, one point to METRICS and, in development, one buffer slot), calls times in one request.
    app.get('/v1/recorder-loop', (c) => {
      const calls = Number(c.req.query('calls'));
      const metrics = c.get('services').metrics;
      const development = c.get('config')?.ENVIRONMENT === 'development';
      let recorded = 0;
      for (let i = 0; i < calls; i++) {
        const outcome = outcomeOf(c, 1);
        if (outcome) { metrics.record(c.env.METRICS, outcome, development); recorded++; }
      }
      return c.json({ recorded });
    });
    export default app;`;

export const VARIANTS: Record<string, string> = {
  // The Worker's path: the metrics recorder on (METRICS bound, and the development buffer: the most it does).
  ours: OURS,
  // The same source bundled again as another worker: ours against ours, the noise floor of a comparison.
  'ours-again': OURS,
  // The same with the recorder off: src/base-app.ts's recordMetrics swapped for a pass-through (RECORDER_OFF).
  'ours-no-recorder': OURS,
  // Ours with the REVOCATIONS Durable Object bound and 1,000 deny entries (GET /seed): every request looks the
  // session up in the isolate's copy of the deny set (ours has no binding, so it skips the lookup).
  revocation: `import { sessionAuth } from '${ROOT}src/auth/session-middleware.ts';
    import { createBaseApp } from '${ROOT}src/base-app.ts';
    import { isDenied } from '${ROOT}src/revocation/deny-rule.ts';
    import { lookupOf } from '${ROOT}src/revocation/deny-snapshot.ts';
    import { revocationWriter } from '${ROOT}src/revocation/revocation-check.ts';
    import { createServices } from '${ROOT}src/services/services.ts';

    export { Revocations } from '${ROOT}src/revocation/revocations-object.ts';

    const app = createBaseApp(createServices());
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.get('/seed', async (c) => {
      const at = Date.now();
      const entries = Array.from({ length: 1000 }, (_, i) => ({ kind: i % 2 ? 'user' : 'session', id: 'x_' + i, at }));
      await revocationWriter(c.env)(entries);
      return c.json({ status: 'ok' });
    });
    app.use('/v1/*', sessionAuth);
    app.get('/v1/me', (c) => { const a = c.get('auth'); return c.json({ userId: a.userId, sessionId: a.sessionId }); });
    export default app;
    export function lookupLoop(entries, calls) {
      const at = Date.now();
      const wire = Array.from({ length: entries }, (_, i) => [i % 2 ? 'u' : 's', 'x_' + i, at]);
      const { lookup } = lookupOf({ version: 1, truncated: false, entries: wire });
      let denied = 0;
      for (let i = 0; i < calls; i++)
        if (isDenied(lookup, { sessionId: 'sess_' + (i & 1023), userId: 'user_1', issuedAt: at / 1000 }, at)) denied++;
      return denied;
    }`,
  stock: `import { clerkMiddleware, getAuth } from '@clerk/hono';import { Hono } from 'hono'; 

    const app = new Hono();
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', async (c, next) => {
      const options = { jwtKey: c.env.CLERK_JWT_KEY || undefined, authorizedParties: [c.env.CLERK_AUTHORIZED_PARTIES] };
      return clerkMiddleware(options)(c, next);
    });
    app.get('/v1/me', (c) => {
      const a = getAuth(c, { acceptsToken: 'session_token' });
      if (!a.userId) return c.json({ error: 'x' }, 401);
      return c.json({ userId: a.userId, sessionId: a.sessionId });
    });
    export default app;`,
  jose: `import { Hono } from 'hono'; import { importSPKI, jwtVerify } from 'jose';

    const app = new Hono(); let key;
    app.get('/health', (c) => c.json({ status: 'ok' }));
    app.use('/v1/*', async (c, next) => {
      key ??= importSPKI(c.env.CLERK_JWT_KEY, 'RS256');
      const token = (c.req.header('authorization') || '').slice(7);
      try {
        const { payload } = await jwtVerify(token, await key, { algorithms: ['RS256'], clockTolerance: 5 });
        c.set('p', payload);
      } catch {
        return c.json({ error: 'x' }, 401);
      }
      await next();
    });
    app.get('/v1/me', (c) => c.json({ userId: c.get('p').sub, sessionId: c.get('p').sid }));
    export default app;`,
};

/**
 * The recorder off: base-app.ts's import of `recordMetrics` resolves to a pass-through middleware; every other
 * importer of src/metrics/record-metrics.ts (the refusal tags) keeps the real module. Nothing else changes.
 */
const RECORDER_OFF: Plugin = {
  name: 'recorder-off',
  setup(build) {
    build.onResolve({ filter: /\/metrics\/record-metrics$/ }, (args) =>
      args.importer.endsWith('/src/base-app.ts') ? { path: 'recorder-off', namespace: 'recorder-off' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'recorder-off' }, () => ({
      contents: 'export const recordMetrics = (c, next) => next();',
      loader: 'js',
    }));
  },
};

/** The esbuild plugins a variant is bundled with. */
export const variantPlugins = (name: string): Plugin[] => (name === 'ours-no-recorder' ? [RECORDER_OFF] : []);

// The loop harness: one dispatched request = many inner requests through the variant's app.
export const HARNESS = `import app from './variant.mjs';

export default { async fetch(request, env, ctx) {
  const { path, tokens, expect } = await request.json();
  let ok = 0;
  for (const t of tokens) {
    const req = new Request('https://edge.bench' + path, { headers: { authorization: 'Bearer ' + t } });
    const res = await app.fetch(req, env, ctx);
    await res.arrayBuffer();
    if (res.status === expect) ok++;
  }
  return Response.json({ ok });
} };`;

// The deny-set variant's harness: the Durable Object class exported from the main module, and `/lookup`.
export const LOOKUP_HARNESS = `${HARNESS.replace(
  'async fetch(request, env, ctx) {',
  `async fetch(request, env, ctx) {
  const u = new URL(request.url);
  if (u.pathname === '/lookup')
    return new Response(String(lookupLoop(Number(u.searchParams.get('entries')), Number(u.searchParams.get('calls')))));`,
)}

import { lookupLoop } from './variant.mjs';

export { Revocations } from './variant.mjs';`;
