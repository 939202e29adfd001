// A fake Clerk Backend API for the drill, on 127.0.0.1 only. Serves GET /v1/jwks, GET /v1/users and
// GET /v1/users/{id} like Clerk, and can be switched at run time to: up, down (connections refused),
// slow, unauthorized (401), garbage (200 non-JSON), error (500), and to a rotated key set. It also
// mints Clerk-shaped session tokens with its keys, so the drill can present valid tokens.
// Machine tokens: POST /api_keys/verify, /m2m_tokens/verify and /oauth_applications/access_tokens/verify
// (no /v1, as Clerk's BAPI 2026-05-12) answer from a table of issued tokens: 200 with the resource
// (`revoked`/`expired` as set), 404 for unknown tokens, 401 for a wrong secret key, `{"active":false}`
// for a deactivated OAuth token. `npm run dev:clerk` runs it standalone with demo tokens (opaque tokens offline).
// The benches use it too: over 127.0.0.1 (`start()`), or in process as Miniflare's outbound service (`fetch`).
import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject, randomUUID } from 'node:crypto';
import { signRs256 } from '../../scripts/lib/sign.ts';
import { fetchListener, loopbackServer } from './loopback-server.ts';

export type ClerkMode = 'up' | 'down' | 'slow' | 'unauthorized' | 'garbage' | 'error';
export type ClerkUser = { id: string; created_at: number } & Record<string, unknown>;
type Key = { kid: string; privateKey: KeyObject; jwk: JsonWebKey };
/** A signing key given by the caller (a bench signs its tokens with it and gives its public half as CLERK_JWT_KEY). */
export type SigningKey = { kid: string; privateKey: KeyObject };
export type MintOptions = {
  userId?: string;
  sessionId?: string;
  ttl?: number;
  kid?: string;
  azp?: string;
  claims?: Record<string, unknown>;
};

const SESSION_TOKEN_CAT = 'cl_B7d4PD111AAA';
const M2M_TOKEN_CAT = 'cl_B7d4PD333AAA';
const JSON_TYPE = { 'content-type': 'application/json' };
const NOT_FOUND = '{"errors":[{"code":"resource_not_found"}]}';
const UNAUTHORIZED = '{"errors":[{"code":"authentication_invalid"}]}';
const json = (status: number, body: string) => new Response(body, { status, headers: JSON_TYPE });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type MachineKind = 'api_key' | 'm2m_token' | 'oauth_token';
const MACHINE_PATHS: Record<string, { kind: MachineKind; field: string }> = {
  '/api_keys/verify': { kind: 'api_key', field: 'secret' },
  '/m2m_tokens/verify': { kind: 'm2m_token', field: 'token' },
  '/oauth_applications/access_tokens/verify': { kind: 'oauth_token', field: 'access_token' },
};
const MACHINE_PREFIX: Record<MachineKind, string> = { api_key: 'ak_', m2m_token: 'mt_', oauth_token: 'oat_' };
const MACHINE_OBJECT: Record<MachineKind, string> = {
  api_key: 'api_key',
  m2m_token: 'machine_to_machine_token',
  oauth_token: 'clerk_idp_oauth_access_token',
};
type MachineEntry = { kind: MachineKind; resource: Record<string, unknown>; active?: boolean };
export type IssueOptions = {
  subject: string;
  token?: string;
  scopes?: string[];
  claims?: Record<string, unknown> | null;
  expiration?: number | null;
};

function newKey(given?: SigningKey): Key {
  if (given) return { ...given, jwk: createPublicKey(given.privateKey).export({ format: 'jwk' }) };
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: `ins_drill_${randomUUID().slice(0, 8)}`, privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

export type FakeClerk = ReturnType<typeof createFakeClerk>;

/** The fake, listening on a free port of 127.0.0.1 once `start()` resolved. */
export function createFakeClerk({
  secretKey = 'sk_test_drill_secret',
  slowMs = 8000,
  anyKey = false,
  port: fixedPort = 0,
  key,
}: {
  secretKey?: string;
  slowMs?: number;
  anyKey?: boolean;
  port?: number;
  key?: SigningKey;
} = {}) {
  let mode: ClerkMode = 'up';
  let keys: Key[] = [newKey(key)];
  const retired: Key[] = [];
  const users: ClerkUser[] = [];
  const calls = { jwks: 0, users: 0, user: 0, verify: 0, sessions: 0, revoke: 0 };
  let requests = 0; // every request, known route or not
  const sessions: { id: string; user_id: string; status: string }[] = [];
  const machine = new Map<string, MachineEntry>();

  const authorized = (request: Request) => anyKey || request.headers.get('authorization') === `Bearer ${secretKey}`;

  /** Clerk's machine verify endpoints; the body is read before any mode applies (as a real server). */
  const verifyMachine = async (request: Request, route: { kind: MachineKind; field: string }) => {
    calls.verify += 1;
    const text = await request.text();
    if (mode === 'slow') await sleep(slowMs);
    if (mode === 'unauthorized' || !authorized(request)) return json(401, UNAUTHORIZED);
    if (mode === 'garbage') return json(200, '<html>oops</html>');
    if (mode === 'error') return new Response('internal', { status: 500 });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    const entry = machine.get(String(body[route.field] ?? ''));
    if (!entry || entry.kind !== route.kind) return json(404, NOT_FOUND);
    if (entry.active === false) return json(200, '{"active":false}');
    return json(200, JSON.stringify(entry.resource));
  };
  let slowPending = 0; // slow answers not sent yet

  /** The whole fake as a fetch handler (Miniflare's outbound service shape; `start()` serves it on 127.0.0.1). */
  const handle = async (request: Request): Promise<Response> => {
    requests += 1;
    const url = new URL(request.url);
    const machineRoute = MACHINE_PATHS[url.pathname];
    if (machineRoute && request.method === 'POST') return verifyMachine(request, machineRoute);
    const userMatch = /^\/v1\/users\/([^/]+)$/.exec(url.pathname);
    const revokeMatch = /^\/v1\/sessions\/([^/]+)\/revoke$/.exec(url.pathname);
    const route =
      url.pathname === '/v1/jwks'
        ? 'jwks'
        : url.pathname === '/v1/users'
          ? 'users'
          : url.pathname === '/v1/sessions'
            ? 'sessions'
            : userMatch
              ? 'user'
              : revokeMatch
                ? 'revoke'
                : undefined;
    if (!route) return new Response(NOT_FOUND, { status: 404 });
    calls[route] += 1;
    if (mode === 'slow') {
      slowPending += 1;
      await sleep(slowMs);
      slowPending -= 1;
    }
    if (mode === 'unauthorized' || request.headers.get('authorization') !== `Bearer ${secretKey}`) {
      return json(401, UNAUTHORIZED);
    }
    if (mode === 'garbage') return json(200, '<html>oops</html>');
    if (mode === 'error') return new Response('internal', { status: 500 });
    if (route === 'jwks') {
      return json(200, JSON.stringify({ keys: keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: 'RS256', use: 'sig' })) }));
    }
    if (route === 'revoke' || route === 'sessions') {
      // POST /v1/sessions/{id}/revoke and GET /v1/sessions?user_id&status (a bare array).
      const id = decodeURIComponent(revokeMatch?.[1] ?? '');
      for (const s of sessions) if (s.id === id) s.status = 'revoked';
      const q = (k: string) => url.searchParams.get(k);
      const list = sessions.filter((s) => s.user_id === q('user_id') && (!q('status') || s.status === q('status')));
      return json(200, JSON.stringify(route === 'revoke' ? { id, status: 'revoked' } : list));
    }
    if (route === 'user') {
      // GET /v1/users/{id}: the user, or Clerk's 404 resource_not_found (reconciliation archives on it).
      const user = users.find((u) => u.id === decodeURIComponent(userMatch?.[1] ?? ''));
      if (!user) return json(404, NOT_FOUND);
      return json(200, JSON.stringify(user));
    }
    // GET /v1/users: a bare JSON array (Clerk's list shape), ascending created_at as the service asks.
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 500);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const sorted = [...users].sort((a, b) => a.created_at - b.created_at);
    return json(200, JSON.stringify(sorted.slice(offset, offset + limit)));
  };

  const server = loopbackServer(fetchListener(handle));

  return {
    async start() {
      await server.up(fixedPort);
    },
    get url() {
      return `http://127.0.0.1:${server.port}`;
    },
    secretKey,
    /** Answers one request in process (e.g. as Miniflare's `outboundService`), as the server does. */
    fetch: handle,
    calls,
    /** Every request received, known route or not. */
    get requests() {
      return requests;
    },
    users,
    /** Sessions known to the fake Backend API (`GET /v1/sessions`, `POST /v1/sessions/{id}/revoke`). */
    sessions,
    /** Slow answers still being held back: > 0 while the service has not been answered yet. */
    get slowPending() {
      return slowPending;
    },
    get kids() {
      return keys.map((k) => k.kid);
    },
    async setMode(next: ClerkMode) {
      if (next === 'down' && mode !== 'down') await server.down();
      if (next !== 'down' && mode === 'down') await server.up();
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
    /** Issues an opaque machine token of `kind` for `subject` (`expiration` in epoch ms); returns it. */
    issueMachineToken(
      kind: MachineKind,
      { subject, token, scopes = [], claims = null, expiration = null }: IssueOptions,
    ) {
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
        ...(kind === 'oauth_token' ? { client_id: 'client_drill', type: 'oauth_token' } : {}),
      };
      machine.set(value, { kind, resource });
      return value;
    },
    /** Clerk keeps answering 200 for a revoked token, with `revoked: true` (and sends no webhook). */
    revokeMachineToken(token: string) {
      const entry = machine.get(token);
      if (entry) entry.resource = { ...entry.resource, revoked: true, revocation_reason: 'revoked' };
    },
    /** An OAuth token deactivated: 200 `{"active":false}`. */
    deactivateMachineToken(token: string) {
      const entry = machine.get(token);
      if (entry) entry.active = false;
    },
    /** A Clerk-shaped RS256 session token, signed with the current key (or `kid`). */
    mint({
      userId = 'user_drill',
      sessionId = `sess_${randomUUID().slice(0, 12)}`,
      ttl = 300,
      kid,
      azp,
      claims = {},
    }: MintOptions = {}) {
      const key = kid ? [...keys, ...retired].find((k) => k.kid === kid) : keys[0];
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
      };
      return signRs256(header, { ...payload, sid: sessionId, sub: userId, v: 2, ...claims }, key.privateKey);
    },
    /**
     * A machine token in JWT form, signed with the current key as Clerk issues them (scripts/token.ts):
     * M2M (`sub` `mch_…`, header `cat` M2M) or an OAuth access token (header `typ` `at+jwt`).
     */
    mintMachineJwt(kind: 'm2m' | 'oauth', { subject = kind === 'm2m' ? 'mch_drill' : 'user_drill', ttl = 300 } = {}) {
      const key = keys[0];
      if (!key) throw new Error('no key');
      const now = Math.floor(Date.now() / 1000);
      const base = { iss: 'https://fulcrum.clerk.accounts.dev', sub: subject, iat: now, nbf: now - 5, exp: now + ttl };
      const jti = `${kind === 'm2m' ? 'mt_' : 'oat_'}${randomUUID().replaceAll('-', '')}`;
      if (kind === 'm2m') {
        const header = { alg: 'RS256', cat: M2M_TOKEN_CAT, kid: key.kid, typ: 'JWT' };
        return signRs256(header, { ...base, jti, scopes: 'mch_drill_peer' }, key.privateKey);
      }
      const header = { alg: 'RS256', kid: key.kid, typ: 'at+jwt' };
      return signRs256(header, { ...base, jti, client_id: 'client_drill', scope: 'profile email' }, key.privateKey);
    },
    /**
     * A token whose `kid` Clerk never issued: the service answers it with a (cooldown-limited) refresh
     * from Clerk, as it would for a real rotation. The service contacts Clerk only when it needs keys,
     * so this is how the drill (or an operator's probe) makes it notice an outage.
     */
    unknownKidToken(options: MintOptions = {}) {
      const header = {
        alg: 'RS256',
        kid: `ins_unknown_${randomUUID().slice(0, 8)}`,
        typ: 'JWT',
        cat: SESSION_TOKEN_CAT,
      };
      return this.mint(options).replace(/^[^.]+/, Buffer.from(JSON.stringify(header)).toString('base64url'));
    },
    async close() {
      if (mode !== 'down') await server.down();
    },
  };
}

/** Fixed demo tokens of `npm run dev:clerk` (docs/machine-tokens.md, "Try it offline"). */
export const DEV_MACHINE_TOKENS = {
  userKey: 'ak_dev_user_123_key_000000000000',
  orgKey: 'ak_dev_org_1_key_0000000000000000',
  revokedKey: 'ak_dev_revoked_key_00000000000000',
  m2m: 'mt_dev_machine_token_000000000000',
  oauth: 'oat_dev_oauth_token_0000000000000',
} as const;

// Standalone (`npm run dev:clerk`): any secret key is accepted, so `.dev.vars` needs only CLERK_API_URL.
if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = createFakeClerk({ anyKey: true, port: Number(process.env.PORT ?? 8788) });
  await fake.start();
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
