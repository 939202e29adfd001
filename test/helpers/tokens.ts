import { env } from 'cloudflare:workers';

/** The session-token category Clerk puts in the JWS header (`cat`). */
export const SESSION_TOKEN_CAT = 'cl_B7d4PD111AAA';
/** `kid` of the run's test key pair (its public half is CLERK_JWT_KEY and TEST_PUBLIC_JWK). */
export const TEST_KID = 'ins_test_key_1';
export const TEST_ISSUER = 'https://fulcrum.clerk.accounts.dev';
export const TEST_AZP = 'https://app.fulcrum.test';

const encoder = new TextEncoder();

export function base64url(input: string | Uint8Array | ArrayBuffer): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : new Uint8Array(input);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

let testKey: Promise<CryptoKey> | undefined;

/** The private key of the run's test key pair. */
export function testPrivateKey(): Promise<CryptoKey> {
  testKey ??= importPrivateJwk(JSON.parse(env.TEST_SIGNING_JWK) as JsonWebKey);
  return testKey;
}

export function importPrivateJwk(jwk: JsonWebKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

/** The public JWK of the run's test key pair, as Clerk's JWKS would list it. */
export function testPublicJwk(kid = TEST_KID): JsonWebKey & { kid: string; alg: string; use: string } {
  const { n, e, kty } = JSON.parse(env.TEST_PUBLIC_JWK) as JsonWebKey;
  return { kty, n, e, kid, alg: 'RS256', use: 'sig' } as JsonWebKey & { kid: string; alg: string; use: string };
}

/** A fresh RSA key pair, e.g. for "signed by another key" and key-rotation tests. */
export async function generateRsaKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
}

/** Signs an RS256 JWS over exactly the given header and payload objects. */
export async function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key?: CryptoKey,
): Promise<string> {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    key ?? (await testPrivateKey()),
    encoder.encode(input),
  );
  return `${input}.${base64url(signature)}`;
}

export type SessionTokenOptions = {
  userId?: string;
  sessionId?: string;
  org?: { id: string; role: string; slug?: string; permissions?: string[] };
  /** Minutes since first/second factor verification (`fva`). */
  fva?: [number, number];
  /** Lifetime in seconds (Clerk's default is 60). */
  ttl?: number;
  /** Issued-at, seconds; defaults to now. */
  iat?: number;
  azp?: string;
  /** Extra or overriding claims (`undefined` removes a claim). */
  claims?: Record<string, unknown>;
  /** Extra or overriding header fields (`undefined` removes a field). */
  header?: Record<string, unknown>;
  key?: CryptoKey;
};

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Claims shaped like a Clerk v2 session token. */
export function sessionClaims(options: SessionTokenOptions = {}): Record<string, unknown> {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  const org = options.org;
  return withoutUndefined({
    azp: options.azp ?? TEST_AZP,
    exp: iat + (options.ttl ?? 60),
    fva: options.fva ?? [1, -1],
    iat,
    iss: TEST_ISSUER,
    nbf: iat - 10,
    sid: options.sessionId ?? 'sess_test_1',
    sub: options.userId ?? 'user_test_1',
    v: 2,
    ...(org
      ? { o: withoutUndefined({ id: org.id, rol: org.role, slg: org.slug ?? org.id, per: org.permissions?.join(',') }) }
      : {}),
    ...options.claims,
  });
}

/** Mints a real RS256 Clerk-shaped session token signed with the test key (or `options.key`). */
export function mintSessionToken(options: SessionTokenOptions = {}): Promise<string> {
  const header = withoutUndefined({
    alg: 'RS256',
    kid: TEST_KID,
    typ: 'JWT',
    cat: SESSION_TOKEN_CAT,
    ...options.header,
  });
  return signJwt(header, sessionClaims(options), options.key);
}

/** `Authorization` header for a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
