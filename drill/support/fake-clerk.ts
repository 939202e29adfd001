// A fake Clerk Backend API for the drill, on 127.0.0.1 only. Serves GET /v1/jwks, GET /v1/users and
// GET /v1/users/{id} like Clerk, and can be switched at run time to: up, down (connections refused),
// slow, unauthorized (401), garbage (200 non-JSON), error (500), and to a rotated key set. It also
// mints Clerk-shaped session tokens with its keys, so the drill can present valid tokens.
import { generateKeyPairSync, type JsonWebKey, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { signRs256 } from '../../scripts/lib/sign.ts';

export type ClerkMode = 'up' | 'down' | 'slow' | 'unauthorized' | 'garbage' | 'error';
export type ClerkUser = { id: string; created_at: number } & Record<string, unknown>;
type Key = { kid: string; privateKey: KeyObject; jwk: JsonWebKey };
export type MintOptions = {
  userId?: string;
  sessionId?: string;
  ttl?: number;
  kid?: string;
  azp?: string;
  claims?: Record<string, unknown>;
};

const SESSION_TOKEN_CAT = 'cl_B7d4PD111AAA';
const JSON_TYPE = { 'content-type': 'application/json' };

function newKey(): Key {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: `ins_drill_${randomUUID().slice(0, 8)}`, privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

export type FakeClerk = ReturnType<typeof createFakeClerk>;

/** The fake, listening on a free port of 127.0.0.1 once `start()` resolved. */
export function createFakeClerk({ secretKey = 'sk_test_drill_secret', slowMs = 8000 } = {}) {
  let mode: ClerkMode = 'up';
  let keys: Key[] = [newKey()];
  const retired: Key[] = [];
  const users: ClerkUser[] = [];
  const calls = { jwks: 0, users: 0, user: 0 };
  let slowPending = 0; // slow answers not sent yet
  const sockets = new Set<Socket>();

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const userMatch = /^\/v1\/users\/([^/]+)$/.exec(url.pathname);
    const route = url.pathname === '/v1/jwks' ? 'jwks' : url.pathname === '/v1/users' ? 'users' : userMatch ? 'user' : undefined;
    if (!route) return void res.writeHead(404).end('{"errors":[{"code":"resource_not_found"}]}');
    calls[route] += 1;
    if (mode === 'slow') {
      slowPending += 1;
      await new Promise((r) => setTimeout(r, slowMs));
      slowPending -= 1;
    }
    if (mode === 'unauthorized' || req.headers.authorization !== `Bearer ${secretKey}`) {
      return void res.writeHead(401, JSON_TYPE).end('{"errors":[{"code":"authentication_invalid"}]}');
    }
    if (mode === 'garbage') return void res.writeHead(200, JSON_TYPE).end('<html>oops</html>');
    if (mode === 'error') return void res.writeHead(500).end('internal');
    if (route === 'jwks') {
      return void res
        .writeHead(200, JSON_TYPE)
        .end(JSON.stringify({ keys: keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: 'RS256', use: 'sig' })) }));
    }
    if (route === 'user') {
      // GET /v1/users/{id}: the user, or Clerk's 404 resource_not_found (reconciliation archives on it).
      const user = users.find((u) => u.id === decodeURIComponent(userMatch?.[1] ?? ''));
      if (!user) return void res.writeHead(404, JSON_TYPE).end('{"errors":[{"code":"resource_not_found"}]}');
      return void res.writeHead(200, JSON_TYPE).end(JSON.stringify(user));
    }
    // GET /v1/users: a bare JSON array (Clerk's list shape), ascending created_at as the service asks.
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 500);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const sorted = [...users].sort((a, b) => a.created_at - b.created_at);
    res.writeHead(200, JSON_TYPE).end(JSON.stringify(sorted.slice(offset, offset + limit)));
  };

  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer(handler);
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  let port = 0;

  return {
    async start() {
      port = await listen(0);
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    secretKey,
    calls,
    users,
    /** Slow answers still being held back: > 0 while the service has not been answered yet. */
    get slowPending() {
      return slowPending;
    },
    get kids() {
      return keys.map((k) => k.kid);
    },
    async setMode(next: ClerkMode) {
      if (next === 'down' && mode !== 'down') await stop();
      if (next !== 'down' && mode === 'down') await listen(port);
      mode = next;
    },
    /** A new signing key becomes current; the old ones stay listed when `keepOld`. */
    rotate({ keepOld = true } = {}) {
      const key = newKey();
      keys = keepOld ? [key, ...keys] : [key];
      return key.kid;
    },
    /** Stops listing a key; it can still sign (a leaked key, or tokens minted before the removal). */
    removeKey(kid: string) {
      retired.push(...keys.filter((k) => k.kid === kid));
      keys = keys.filter((k) => k.kid !== kid);
    },
    /** A Clerk-shaped RS256 session token, signed with the current key (or `kid`). */
    mint({ userId = 'user_drill', sessionId = `sess_${randomUUID().slice(0, 12)}`, ttl = 300, kid, azp, claims = {} }: MintOptions = {}) {
      const key = kid ? [...keys, ...retired].find((k) => k.kid === kid) : keys[0];
      if (!key) throw new Error(`no key ${kid}`);
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', kid: key.kid, typ: 'JWT', cat: SESSION_TOKEN_CAT };
      const payload = { azp, exp: now + ttl, fva: [0, 0], iat: now, iss: 'https://fulcrum.clerk.accounts.dev', nbf: now - 5 };
      return signRs256(header, { ...payload, sid: sessionId, sub: userId, v: 2, ...claims }, key.privateKey);
    },
    /**
     * A token whose `kid` Clerk never issued: the service answers it with a (cooldown-limited) refresh
     * from Clerk, as it would for a real rotation. The service contacts Clerk only when it needs keys,
     * so this is how the drill (or an operator's probe) makes it notice an outage.
     */
    unknownKidToken() {
      const header = { alg: 'RS256', kid: `ins_unknown_${randomUUID().slice(0, 8)}`, typ: 'JWT', cat: SESSION_TOKEN_CAT };
      return this.mint().replace(/^[^.]+/, Buffer.from(JSON.stringify(header)).toString('base64url'));
    },
    async close() {
      if (mode !== 'down') await stop();
    },
  };
}
