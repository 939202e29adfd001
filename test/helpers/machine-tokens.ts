import { json } from './clerk-mock';
import { signJwt, TEST_KID } from './tokens';

/** Header `cat` of Clerk's M2M JWTs. */
export const M2M_JWT_CAT = 'cl_B7d4PD333AAA';
export const TEST_MACHINE_ID = 'mch_test_machine_1';

export type MachineJwtOptions = {
  sub?: string;
  ttl?: number;
  iat?: number;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: CryptoKey;
};

const drop = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** An M2M token in JWT form, shaped like Clerk's (`sub` mch_…, header cat M2M, `scopes` space-separated). */
export function mintM2MJwt(o: MachineJwtOptions = {}): Promise<string> {
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  const header = drop({ alg: 'RS256', kid: TEST_KID, typ: 'JWT', cat: M2M_JWT_CAT, ...o.header });
  const claims = drop({
    iss: 'https://fulcrum.clerk.accounts.dev',
    sub: o.sub ?? TEST_MACHINE_ID,
    jti: `mt_${crypto.randomUUID().replaceAll('-', '')}`,
    iat,
    nbf: iat - 5,
    exp: iat + (o.ttl ?? 3600),
    scopes: 'mch_peer_1 mch_peer_2',
    ...o.claims,
  });
  return signJwt(header, claims, o.key);
}

/** An OAuth access token in JWT form (header typ at+jwt, `client_id`, `scope`). */
export function mintOAuthJwt(o: MachineJwtOptions = {}): Promise<string> {
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  const header = drop({ alg: 'RS256', kid: TEST_KID, typ: 'at+jwt', ...o.header });
  const claims = drop({
    iss: 'https://fulcrum.clerk.accounts.dev',
    sub: o.sub ?? 'user_oauth_1',
    client_id: 'client_test_1',
    jti: `oat_${crypto.randomUUID().replaceAll('-', '')}`,
    iat,
    nbf: iat - 5,
    exp: iat + (o.ttl ?? 3600),
    scope: 'read write',
    ...o.claims,
  });
  return signJwt(header, claims, o.key);
}

/** A random opaque token with Clerk's prefix (`ak_`, `mt_`, `oat_`) and a 32-character body. */
export function randomOpaque(prefix: 'ak_' | 'mt_' | 'oat_'): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `${prefix}${btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, 'x')
    .replace(/\//g, 'y')}`;
}

/** What the fake Backend API answers for one token. */
export type FakeAnswer = { status: number; body?: unknown };
type Kind = 'api_key' | 'm2m_token' | 'oauth_token';

const OBJECT: Record<Kind, string> = {
  api_key: 'api_key',
  m2m_token: 'machine_to_machine_token',
  oauth_token: 'clerk_idp_oauth_access_token',
};

/** A 200 body as Clerk's BAPI (2026-05-12) shapes a verified resource of `kind`. */
export function verifiedBody(
  kind: Kind,
  o: { subject: string; revoked?: boolean; expired?: boolean; expiration?: number | null; scopes?: string[] } & Record<
    string,
    unknown
  >,
) {
  const now = Date.now();
  const base = {
    object: OBJECT[kind],
    id: `${kind === 'api_key' ? 'ak' : kind === 'm2m_token' ? 'mt' : 'oat'}_id_${crypto.randomUUID().slice(0, 8)}`,
    subject: o.subject,
    scopes: o.scopes ?? ['read'],
    revoked: o.revoked ?? false,
    revocation_reason: o.revoked ? 'revoked by test' : null,
    expired: o.expired ?? false,
    expiration: o.expiration ?? null,
    created_at: now - 1000,
    updated_at: now - 1000,
  };
  if (kind === 'api_key')
    return {
      ...base,
      type: 'api_key',
      name: 'test key',
      claims: { plan: 'pro' },
      created_by: null,
      description: null,
      last_used_at: null,
      ...o,
    };
  if (kind === 'm2m_token') return { ...base, claims: { team: 'ci' }, ...o };
  return { ...base, client_id: 'client_test_1', type: 'oauth_token', ...o };
}

const FIELD: Record<string, [Kind, string]> = {
  '/api_keys/verify': ['api_key', 'secret'],
  '/m2m_tokens/verify': ['m2m_token', 'token'],
  '/oauth_applications/access_tokens/verify': ['oauth_token', 'access_token'],
};

/**
 * Clerk's three machine verify endpoints (no /v1 prefix) over a token → answer table: unknown
 * tokens are 404 as Clerk sends it. `calls` counts requests per path; `authorizations` records the
 * bearer each one carried.
 */
export function fakeMachineApi(table: Map<string, FakeAnswer>) {
  const calls: Record<string, number> = {};
  const authorizations: string[] = [];
  const routes = Object.fromEntries(
    Object.entries(FIELD).map(([path, [, field]]) => [
      path,
      async (request: Request) => {
        calls[path] = (calls[path] ?? 0) + 1;
        authorizations.push(request.headers.get('authorization') ?? '');
        const body = (await request.json().catch(() => ({}))) as Record<string, unknown>;
        const answer = table.get(String(body[field] ?? ''));
        if (!answer) return json({ errors: [{ code: 'resource_not_found', message: 'not found' }] }, 404);
        return json(answer.body ?? {}, answer.status);
      },
    ]),
  );
  const total = () => Object.values(calls).reduce((a, b) => a + b, 0);
  return { routes, calls, authorizations, total };
}
