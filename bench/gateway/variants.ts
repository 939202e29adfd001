// The gateway bench's Workers: each variant default-exports a fetch handler (`{ fetch(request, env, ctx) }`) and
// runs behind the loop harness. Source text, bundled by esbuild (bench/support/workerd.ts) before each run.
import { ROOT } from '../support/workerd.ts';

function stock(limited: boolean) {
  const limit = limited
    ? `const { success } = await c.env.GATEWAY_LIMITER.limit({ key: 'user:' + a.userId });
      if (!success) return c.json({ error: 'rate_limited' }, 429);`
    : '';
  return `import { Hono } from 'hono';
    import { clerkMiddleware, getAuth } from '@clerk/hono';
    import { proxy } from 'hono/proxy';
    const app = new Hono();
    app.use('/api/*', (c, next) =>
      clerkMiddleware({ jwtKey: c.env.CLERK_JWT_KEY, authorizedParties: [c.env.CLERK_AUTHORIZED_PARTIES] })(c, next));
    app.all('/api/*', async (c) => {
      const a = getAuth(c, { acceptsToken: 'session_token' });
      if (!a.userId) return c.json({ error: 'unauthorized' }, 401);
      ${limit}
      const u = new URL(c.req.url);
      return proxy(c.env.ORIGIN_URL + u.pathname + u.search, {
        raw: c.req.raw,
        redirect: 'manual',
        headers: { ...c.req.header(), authorization: undefined,
          'x-fulcrum-user-id': a.userId, 'x-fulcrum-session-id': a.sessionId,
          'x-forwarded-host': u.host, 'x-forwarded-proto': u.protocol.slice(0, -1) },
      });
    });
    export default app;`;
}

/** The app of src/app.ts on its own services, built as src/index.ts builds it, with `options` and a `patch`. */
const app = (options: string, patch = '') => `import { createApp } from '${ROOT}src/app.ts';
    import { createServices } from '${ROOT}src/services/services.ts';
    export { Revocations } from '${ROOT}src/revocation/revocations-object.ts';
    const services = createServices();
    ${patch}
    export default { fetch: createApp(${options}).fetch };`;

export const VARIANTS = {
  // The least a Worker can do to forward: same method, headers, streamed body, to ORIGIN_URL.
  bare: `export default { fetch(request, env) {
      const u = new URL(request.url);
      const init = { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' };
      return fetch(env.ORIGIN_URL + u.pathname + u.search, init);
    } };`,
  // Reference floor: what any proxy that rewrites headers pays on top of bare: a copied and edited Headers on
  // the way out, a new Request, and a new Response with copied headers on the way back (no framework, no auth).
  rewrap: `export default { async fetch(request, env) {
      const u = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.delete('authorization');
      headers.set('x-fulcrum-user-id', 'user_bench');
      const init = { method: request.method, headers, body: request.body, redirect: 'manual' };
      const res = await fetch(new Request(env.ORIGIN_URL + u.pathname + u.search, init));
      const out = { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) };
      return new Response(res.body, out);
    } };`,
  // The production Worker, untouched (src/index.ts: the gateway's fast path in front of the edge's app).
  ours: `export { default, Revocations } from '${ROOT}src/index.ts';`,
  // Ablation: the same app with the fast path off (gateway routes through the app's middleware chain and its
  // gateway middleware, as before the fast path): what the fast path saves.
  ours_chain: app('{ services, gatewayFastPath: false }'),
  // Ablation: the metrics recorder's call does nothing (services.metrics.record replaced by a no-op): what
  // recording a data point costs (the outcome object is still built).
  ours_norecorder: app('{ services }', 'services.metrics.record = () => {};'),
  // Ablation: the assertion's Ed25519 signature replaced by 64 zero bytes (crypto.subtle.sign answers them at once;
  // every other step, the assertion's claims and encoding included, unchanged): what signing costs inside a request,
  // next to the signer's loop below.
  ours_unsigned: app(
    '{ services }',
    `const sign = crypto.subtle.sign.bind(crypto.subtle);
    crypto.subtle.sign = (algorithm, key, data) =>
      algorithm?.name === 'Ed25519' ? Promise.resolve(new ArrayBuffer(64)) : sign(algorithm, key, data);`,
  ),
  // Stock @clerk/hono + hono/proxy, as their docs show it, forwarding the user and session ids as headers
  // (no assertion to sign, no spoofed-header stripping, no tenant or rate limit: less work than ours).
  stock: stock(false),
  // The fair comparison for ours as shipped: stock plus the same GATEWAY_LIMITER call per request that ours makes
  // (keyed by the user), so Miniflare's simulation of that binding is paid on both sides.
  stock_limited: stock(true),
  // Memory control only: reads the whole upload, then the whole download, before passing them on.
  buffering: `export default { async fetch(request, env) {
      const u = new URL(request.url);
      const body = request.body ? await request.arrayBuffer() : undefined;
      const init = { method: request.method, headers: request.headers, body };
      const res = await fetch(env.ORIGIN_URL + u.pathname + u.search, init);
      return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
    } };`,
  // The assertion alone: the gateway's own claim builder and signer, looped. And one session token's RS256
  // signature checked by the verifier's own call (`verifyRs256`, the key imported once): the verification any
  // gateway pays once per fresh token (stock on every request).
  signer: `import { assertionClaims, signAssertion } from '${ROOT}src/gateway/assertion.ts';
    import { loadEdgeKeys } from '${ROOT}src/gateway/signing-keys.ts';
    import { decodeJwt } from '${ROOT}src/auth/verify-session.ts';
    import { importRs256Spki, verifyRs256 } from '${ROOT}src/lib/rs256.ts';
    const keys = {};
    let clerkKey;
    const der = (pem) => Uint8Array.from(atob(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\\s+/g, '')), (c) => c.charCodeAt(0));
    async function verifyLoop(env, token, n) {
      clerkKey ??= await importRs256Spki(der(env.CLERK_JWT_KEY));
      const jwt = decodeJwt(token);
      let ok = 0;
      for (let i = 0; i < n; i++) if (await verifyRs256(clerkKey, jwt.signature, jwt.signed)) ok++;
      if (ok !== n) throw new Error('verification failed');
      return Response.json({ ok });
    }
    const auth = { subject: 'user_bench', userId: 'user_bench', sessionId: 'sess_bench', orgId: null, orgRole: null,
      orgPermissions: null, tokenType: 'session_token', machineId: null, scopes: null, expiresAt: 4102444800,
      claims: {} };
    export default { async fetch(request, env) {
      const { alg, n, sign, verify } = await request.json();
      if (verify) return verifyLoop(env, verify, n);
      keys[alg] ??= await loadEdgeKeys(alg === 'EdDSA' ? env.KEY_ED25519 : env.KEY_P256, undefined);
      let chars = 0;
      for (let i = 0; i < n; i++) {
        const now = 1700000000 + i;
        const input = { auth, tenantId: 'user_bench', issuer: 'https://edge.bench', audience: 'aud', now };
        const claims = assertionClaims(input) ?? {};
        chars += sign ? (await signAssertion(keys[alg].current, claims)).length : JSON.stringify(claims).length;
      }
      return Response.json({ chars });
    } };`,
} as const;
export type VariantName = keyof typeof VARIANTS;

// The loop: `x-bench-loop` requests run N inner requests through the variant; anything else is the variant's.
// `inIsolate` (the in-isolate table): for the loop, the global `fetch` every variant sends with answers `ok` from
// inside the isolate, so no network, no origin and no other thread is in the measure: the variant's own work.
// BENCH_SILENT (ablation): console.log/info/warn do nothing, so the access log line costs only its formatting.
// `x-bench-seed` (once, before timing): 1,000 deny entries written to the REVOCATIONS object, for the variants that
// bind it (none of them matches the bench's sessions: the lookup's cost, not a refusal).
export const HARNESS = `import variant from './variant.mjs';
export * from './variant.mjs';
export default { async fetch(request, env, ctx) {
  if (env.BENCH_SILENT) console.log = console.info = console.warn = () => {};
  if (request.headers.has('x-bench-seed')) {
    const at = Date.now();
    const entries = Array.from({ length: 1000 }, (_, i) => ({ kind: i % 2 ? 'user' : 'session', id: 'x_' + i, at }));
    const result = await env.REVOCATIONS.getByName('global').revoke(entries);
    return Response.json(result);
  }
  if (!request.headers.has('x-bench-loop')) return variant.fetch(request, env, ctx);
  const { path, tokens, inIsolate } = await request.json();
  const network = globalThis.fetch;
  if (inIsolate) globalThis.fetch = async () => new Response('ok', { headers: { 'content-type': 'text/plain' } });
  let ok = 0; let last = '';
  try {
    for (const t of tokens) {
      const inner = new Request('https://edge.bench' + path, { headers: { authorization: 'Bearer ' + t } });
      const res = await variant.fetch(inner, env, ctx);
      last = await res.text();
      if (res.status === 200) ok++; else last = res.status + ' ' + last.slice(0, 300);
    }
  } finally {
    globalThis.fetch = network;
  }
  return Response.json({ ok, last });
} };`;
