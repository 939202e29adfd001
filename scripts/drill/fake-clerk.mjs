// A fake Clerk Backend API for drills, on 127.0.0.1 only. Serves GET /v1/jwks and
// GET /v1/users like Clerk, and can be switched at run time (from the drill, in the
// same process) to: up, down (connections refused), slow, unauthorized (401),
// garbage (200 non-JSON), and to a rotated key set. It also mints Clerk-shaped
// session tokens with its current keys, so a drill can present valid tokens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { signRs256 } from '../lib/sign.mjs';

const SESSION_TOKEN_CAT = 'cl_B7d4PD111AAA';

function newKey() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { kid: `ins_drill_${randomUUID().slice(0, 8)}`, privateKey, jwk };
}

/**
 * Starts the fake. `port` 0 picks a free port. Returns a controller:
 * `{ url, mode, setMode(m), rotate({ keepOld }), mint(opts), users, calls, close() }`.
 */
export async function startFakeClerk({ port = 0, secretKey = 'sk_test_drill_secret', slowMs = 8000 } = {}) {
  const state = {
    mode: 'up',
    keys: [newKey()],
    retired: [],
    users: [],
    calls: { jwks: 0, users: 0, user: 0 },
  };
  const sockets = new Set();
  const handler = async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await startFakeClerk({ port: Number(process.env.PORT ?? 0) });
  console.log(`fake Clerk on ${fake.url}`);
}
