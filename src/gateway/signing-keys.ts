/**
 * The edge's assertion signing keys: EDGE_SIGNING_KEY (a private JWK with `kid`, Ed25519 `OKP` or
 * P-256 `EC`; the algorithm follows the key) and, during a rotation, EDGE_SIGNING_KEY_PREVIOUS,
 * whose public half stays published so assertions signed just before the switch still verify.
 */
export type EdgeAlg = 'EdDSA' | 'ES256';
export type PublicJwk = { kty: string; crv: string; x: string; y?: string; kid: string; alg: EdgeAlg; use: 'sig' };
export type SigningKey = { kid: string; alg: EdgeAlg; key: CryptoKey; publicJwk: PublicJwk };
export type EdgeKeys = { current: SigningKey; previous: SigningKey | null; jwks: { keys: PublicJwk[] } };
export type KeyProblem = {
  name: 'EDGE_SIGNING_KEY' | 'EDGE_SIGNING_KEY_PREVIOUS';
  issue: 'missing' | 'malformed';
  hint?: string;
};

const B64URL = /^[A-Za-z0-9_-]+$/;

class KeyError extends Error {}

function parsePrivateJwk(raw: string): JsonWebKey & { kid: string } {
  let jwk: unknown;
  try {
    jwk = JSON.parse(raw);
  } catch {
    throw new KeyError('not JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new KeyError('not a JWK object');
  const k = jwk as Record<string, unknown>;
  if (typeof k.kid !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(k.kid))
    throw new KeyError('needs a kid ([A-Za-z0-9._-], ≤ 64)');
  if (typeof k.d !== 'string' || !B64URL.test(k.d)) throw new KeyError('not a private key (no d)');
  const okp = k.kty === 'OKP' && k.crv === 'Ed25519';
  const ec = k.kty === 'EC' && k.crv === 'P-256';
  if (!okp && !ec) throw new KeyError('must be an Ed25519 (OKP) or P-256 (EC) key');
  return k as unknown as JsonWebKey & { kid: string };
}

async function importSigningKey(raw: string): Promise<SigningKey> {
  const jwk = parsePrivateJwk(raw);
  const alg: EdgeAlg = jwk.kty === 'OKP' ? 'EdDSA' : 'ES256';
  const algorithm = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  // Only the members WebCrypto needs: `alg`, `use` or `key_ops` from a generator must not make import fail.
  const { kty, crv, x, y, d } = jwk;
  const key = await crypto.subtle
    .importKey('jwk', { kty, crv, x, y, d } as JsonWebKey, algorithm, false, ['sign'])
    .catch(() => {
      throw new KeyError('WebCrypto refused the key');
    });
  const publicJwk: PublicJwk = {
    kty: kty as string,
    crv: crv as string,
    x: x as string,
    kid: jwk.kid,
    alg,
    use: 'sig',
  };
  if (y !== undefined) publicJwk.y = y;
  return { kid: jwk.kid, alg, key, publicJwk };
}

/** Imports the keys once (per isolate and configuration). Never throws: problems name the variable. */
export async function loadEdgeKeys(
  current: string | undefined,
  previous: string | undefined,
): Promise<EdgeKeys | KeyProblem[]> {
  const problems: KeyProblem[] = [];
  const load = async (name: KeyProblem['name'], raw: string | undefined): Promise<SigningKey | null> => {
    if (raw === undefined || raw.trim() === '') return null;
    try {
      return await importSigningKey(raw.trim());
    } catch (e) {
      problems.push({ name, issue: 'malformed', hint: e instanceof KeyError ? e.message : 'unusable key' });
      return null;
    }
  };
  const [cur, prev] = await Promise.all([
    load('EDGE_SIGNING_KEY', current),
    load('EDGE_SIGNING_KEY_PREVIOUS', previous),
  ]);
  if (!cur && !problems.some((p) => p.name === 'EDGE_SIGNING_KEY'))
    problems.push({ name: 'EDGE_SIGNING_KEY', issue: 'missing' });
  if (cur && prev && cur.kid === prev.kid) {
    problems.push({
      name: 'EDGE_SIGNING_KEY_PREVIOUS',
      issue: 'malformed',
      hint: 'has the same kid as EDGE_SIGNING_KEY',
    });
  }
  if (problems.length > 0 || !cur) return problems;
  return { current: cur, previous: prev, jwks: { keys: prev ? [cur.publicJwk, prev.publicJwk] : [cur.publicJwk] } };
}
