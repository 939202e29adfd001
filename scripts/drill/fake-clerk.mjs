// A fake Clerk Backend API for drills, on 127.0.0.1 only. Serves GET /v1/jwks and
// GET /v1/users like Clerk, and can be switched at run time (from the drill, in the
// same process) to: up, down (connections refused), slow, unauthorized (401),
// garbage (200 non-JSON), and to a rotated key set. It also mints Clerk-shaped
// session tokens with its current keys, so a drill can present valid tokens.
// Machine tokens: POST /api_keys/verify, /m2m_tokens/verify and
// /oauth_applications/access_tokens/verify (no /v1, as Clerk's BAPI 2026-05-12) answer from a
// table of issued tokens: 200 with the resource (`revoked`/`expired` as set), 404 for unknown
// tokens, 401 for a wrong secret key, `{active:false}` for a deactivated OAuth token.
// `npm run dev:clerk` runs it standalone with a few demo tokens, for opaque tokens offline.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { signRs256 } from '../lib/sign.mjs';

const SESSION_TOKEN_CAT = 'cl_B7d4PD111AAA';
const MACHINE_PATHS = {
  '/api_keys/verify': { kind: 'api_key', field: 'secret' },
  '/m2m_tokens/verify': { kind: 'm2m_token', field: 'token' },
  '/oauth_applications/access_tokens/verify': { kind: 'oauth_token', field: 'access_token' },
};
const MACHINE_PREFIX = { api_key: 'ak_', m2m_token: 'mt_', oauth_token: 'oat_' };
const MACHINE_OBJECT = { api_key: 'api_key', m2m_token: 'machine_to_machine_token', oauth_token: 'clerk_idp_oauth_access_token' };

function newKey() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid: `ins_drill_${randomUUID().slice(0, 8)}`, privateKey, jwk };
}

/**
 * Starts the fake. `port` 0 picks a free port. Returns a controller:
 * `{ url, mode, setMode(m), rotate({ keepOld }), mint(opts), users, calls, close() }`.
 */
export async function startFakeClerk({
  port = 0,
  secretKey = 'sk_test_drill_secret',
  machineSecretKey,
  slowMs = 8000,
  anyKey = false,
} = {}) {
  const state = {
    mode: 'up',
    keys: [newKey()],
    retired: [],
    users: [],
    machine: new Map(),
    calls: { jwks: 0, users: 0, user: 0, verify: 0 },
  };
  const sockets = new Set();
  const keyOk = (auth) => anyKey || auth === `Bearer ${secretKey}` || (machineSecretKey && auth === `Bearer ${machineSecretKey}`);
  const handler = async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const verifyKind = MACHINE_PATHS[url.pathname];
    if (verifyKind && req.method === 'POST') {
      state.calls.verify += 1;
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      if (state.mode === 'slow') await new Promise((r) => setTimeout(r, slowMs));
      const json = { 'content-type': 'application/json' };
      if (state.mode === 'unauthorized' || !keyOk(req.headers.authorization)) {
        return void res.writeHead(401, json).end('{"errors":[{"code":"authentication_invalid"}]}');
      }
      if (state.mode === 'garbage') return void res.writeHead(200, json).end('<html>oops</html>');
      if (state.mode === 'error') return void res.writeHead(500).end('internal');
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {}
      const entry = state.machine.get(String(body[verifyKind.field] ?? ''));
      if (!entry || entry.kind !== verifyKind.kind)
        return void res.writeHead(404, json).end(`{"errors":[{"code":"resource_not_found","message":"${verifyKind.kind} not found"}]}`);
      if (entry.active === false) return void res.writeHead(200, json).end('{"active":false}');
      return void res.writeHead(200, json).end(JSON.stringify(entry.resource));
    }
    const userMatch = /^\/v1\/users\/([^/]+)$/.exec(url.pathname);
    const route = url.pathname === '/v1/jwks' ? 'jwks' : url.pathname === '/v1/users' ? 'users' : userMatch ? 'user' : undefined;
    if (!route) return void res.writeHead(404).end('{"errors":[{"code":"resource_not_found"}]}');
    state.calls[route] += 1;
    if (state.mode === 'slow') await new Promise((r) => setTimeout(r, slowMs));
    if (state.mode === 'unauthorized' || req.headers.authorization !== `Bearer ${secretKey}`) {
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"authentication_invalid"}]}');
    }
    if (state.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
    if (state.mode === 'error') return void res.writeHead(500).end('internal');
    const json = { 'content-type': 'application/json' };
    if (route === 'jwks') {
      return void res
        .writeHead(200, json)
        .end(JSON.stringify({ keys: state.keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: 'RS256', use: 'sig' })) }));
    }
    if (route === 'user') {
      // GET /v1/users/{id}: the user, or Clerk's 404 resource_not_found (reconciliation archives on it).
      const user = state.users.find((u) => u.id === decodeURIComponent(userMatch[1]));
      if (!user) return void res.writeHead(404, json).end('{"errors":[{"code":"resource_not_found"}]}');
      return void res.writeHead(200, json).end(JSON.stringify(user));
    }
    // GET /v1/users: a bare JSON array (Clerk's list shape), ascending created_at as the service asks.
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 500);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const sorted = [...state.users].sort((a, b) => a.created_at - b.created_at);
    res.writeHead(200, json).end(JSON.stringify(sorted.slice(offset, offset + limit)));
  };
  let server = createServer(handler);
  const listen = (p) =>
    new Promise((resolve) => {
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.listen(p, '127.0.0.1', () => resolve(server.address().port));
    });
  const boundPort = await listen(port);
  const stop = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${boundPort}`,
    secretKey,
    get mode() {
      return state.mode;
    },
    calls: state.calls,
    users: state.users,
    get kids() {
      return state.keys.map((k) => k.kid);
    },
    /** up | down | slow | unauthorized | garbage | error */
    async setMode(mode) {
      if (mode === 'down' && state.mode !== 'down') await stop();
      if (mode !== 'down' && state.mode === 'down') {
        server = createServer(handler);
        await listen(boundPort);
      }
      state.mode = mode;
    },
    /** A new signing key becomes current; the old one stays listed when `keepOld`. */
    rotate({ keepOld = true } = {}) {
      const key = newKey();
      state.keys = keepOld ? [key, ...state.keys] : [key];
      return key.kid;
    },
    /** Stops listing a key (its tokens fail once the service refreshes). */
    removeKey(kid) {
      // Still able to sign with it (an attacker holding a leaked key, or tokens minted before removal).
      state.retired.push(...state.keys.filter((k) => k.kid === kid));
      state.keys = state.keys.filter((k) => k.kid !== kid);
    },
    /**
     * Issues an opaque machine token of `kind` (api_key | m2m_token | oauth_token) for `subject`;
     * returns the token. `token` picks it (e.g. a fixed demo value); `expiration` is epoch ms.
     */
    issueMachineToken(kind, { subject, token, scopes = [], claims = null, expiration = null, clientId = 'client_dev' } = {}) {
      const value = token ?? `${MACHINE_PREFIX[kind]}${randomUUID().replaceAll('-', '')}`;
      const now = Date.now();
      const resource = {
        object: MACHINE_OBJECT[kind],
        id: `${MACHINE_PREFIX[kind]}id_${randomUUID().slice(0, 8)}`,
        subject,
        scopes,
        claims,
        revoked: false,
        revocation_reason: null,
        expired: false,
        expiration,
        created_at: now,
        updated_at: now,
        ...(kind === 'api_key' ? { type: 'api_key', name: 'drill key' } : {}),
        ...(kind === 'oauth_token' ? { client_id: clientId, type: 'oauth_token' } : {}),
      };
      state.machine.set(value, { kind, resource });
      return value;
    },
    /** Clerk keeps answering 200 for a revoked token, with `revoked: true` (no webhook is sent). */
    revokeMachineToken(token) {
      const entry = state.machine.get(token);
      if (entry) entry.resource = { ...entry.resource, revoked: true, revocation_reason: 'revoked' };
    },
    /** An OAuth token deactivated: 200 `{active:false}`. */
    deactivateMachineToken(token) {
      const entry = state.machine.get(token);
      if (entry) entry.active = false;
    },
    /** Mints a Clerk-shaped RS256 session token with the current key (or `kid`). */
    mint({ userId = 'user_drill', sessionId = `sess_${randomUUID().slice(0, 12)}`, ttl = 300, kid, azp, claims = {} } = {}) {
      const key = kid ? [...state.keys, ...state.retired].find((k) => k.kid === kid) : state.keys[0];
      if (!key) throw new Error(`no key ${kid}`);
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', kid: key.kid, typ: 'JWT', cat: SESSION_TOKEN_CAT };
      const payload = {
        azp,
        exp: now + ttl,
        fva: [0, 0],
        iat: now,
        iss: 'https://fulcrum.clerk.accounts.dev',
        nbf: now - 5,
        sid: sessionId,
        sub: userId,
        v: 2,
        ...claims,
      };
      return signRs256(header, payload, key.privateKey);
    },
    async close() {
      if (state.mode !== 'down') await stop();
    },
  };
}

/** Fixed demo tokens for `npm run dev:clerk` (README: Machine tokens). */
export const DEV_MACHINE_TOKENS = {
  userKey: 'ak_dev_user_123_key_000000000000',
  orgKey: 'ak_dev_org_1_key_0000000000000000',
  revokedKey: 'ak_dev_revoked_key_00000000000000',
  m2m: 'mt_dev_machine_token_000000000000',
  oauth: 'oat_dev_oauth_token_0000000000000',
};

if (import.meta.url === `file://${process.argv[1]}`) {
  // Standalone (`npm run dev:clerk`): any secret key is accepted, so `.dev.vars` needs only CLERK_API_URL.
  const fake = await startFakeClerk({ port: Number(process.env.PORT ?? 8788), anyKey: true });
  const t = DEV_MACHINE_TOKENS;
  fake.issueMachineToken('api_key', { token: t.userKey, subject: 'user_123', scopes: ['read'] });
  fake.issueMachineToken('api_key', { token: t.orgKey, subject: 'org_1', scopes: ['read', 'write'] });
  fake.issueMachineToken('api_key', { token: t.revokedKey, subject: 'user_123' });
  fake.revokeMachineToken(t.revokedKey);
  fake.issueMachineToken('m2m_token', { token: t.m2m, subject: 'mch_dev_worker', scopes: ['mch_dev_peer'] });
  fake.issueMachineToken('oauth_token', { token: t.oauth, subject: 'user_123', scopes: ['profile', 'email'] });
  console.log(`fake Clerk Backend API on ${fake.url} (set CLERK_API_URL=${fake.url} in .dev.vars)`);
  for (const [name, token] of Object.entries(t)) console.log(`  ${name.padEnd(10)} ${token}`);
}
