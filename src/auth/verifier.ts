import { fetchJwks, type Jwk } from '../clerk/jwks';
import type { Config } from '../env';
import { encodeBase64Url } from '../lib/base64url';
import type { Logger } from '../lib/log';
import { importRs256Spki } from '../lib/rs256';
import { KeyCache, type KeySource, KeysUnavailableError, type KvLike } from './key-cache';
import { ResultCache } from './result-cache';
import { type VerifyResult, verifySessionToken } from './verify-session';

/**
 * Verification state for one configuration: the key source (a static key from CLERK_JWT_KEY, or
 * the memory → KV → Clerk cache) and the cache of verified results.
 */
export type Verifier = {
  verify(token: string, carrier: 'header' | 'cookie', kv: KvLike): Promise<VerifyResult>;
  /** Public keys for the JWKS mirror and readiness; throws KeysUnavailableError when none. */
  keys(kv: KvLike): Promise<{ keys: Jwk[]; source: KeySource; fetchedAt: number | null }>;
  /** The verification key for a `kid` (machine JWTs use the same key source as sessions). */
  resolveKey(kid: string | undefined, kv: KvLike): Promise<CryptoKey | null>;
  /** Undefined in networkless mode (CLERK_JWT_KEY). */
  keyCache: KeyCache | undefined;
};

/** What a verifier needs from its environment (the composition root's clock, fetch and log). */
export type VerifierDeps = { now: () => number; fetch: typeof fetch; log: Logger };

const MAX_VERIFIERS = 8;

function pemToDer(pem: string): Uint8Array {
  const b64 = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** RFC 7638 thumbprint, used as the `kid` of a key given as a PEM (Clerk's PEM has none). */
async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return encodeBase64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
}

function staticKeySource(pem: string) {
  // Imported once per verifier; a PEM that is not an RSA SPKI key rejects here (⇒ 503 misconfigured).
  const key = (async () => importRs256Spki(pemToDer(pem)))();
  const jwk = (async () => {
    const exported = (await crypto.subtle.exportKey('jwk', await key)) as JsonWebKey;
    return {
      kid: await thumbprint(exported),
      kty: 'RSA',
      n: exported.n!,
      e: exported.e!,
      alg: 'RS256',
      use: 'sig',
    } as Jwk;
  })();
  const invalid = () => {
    throw new KeysUnavailableError('jwt_key_invalid');
  };
  const guarded = { key: key.catch(invalid), jwk: jwk.catch(invalid) };
  // Awaited by whoever needs them; silence "unhandled" until then.
  guarded.key.catch(() => undefined);
  guarded.jwk.catch(() => undefined);
  return guarded;
}

function createVerifier(config: Config, deps: VerifierDeps): Verifier {
  const results = new ResultCache();
  const parties = config.CLERK_AUTHORIZED_PARTIES;
  const verify = async (
    token: string,
    carrier: 'header' | 'cookie',
    resolveKey: (kid: string | undefined) => Promise<CryptoKey | null>,
  ) => {
    const now = deps.now();
    const hit = results.get(`${carrier} ${token}`, now);
    if (hit) return hit;
    const result = await verifySessionToken(token, { resolveKey, authorizedParties: parties, carrier, now: () => now });
    if (result.ok) results.set(`${carrier} ${token}`, result, now);
    return result;
  };

  if (config.CLERK_JWT_KEY) {
    const { key, jwk } = staticKeySource(config.CLERK_JWT_KEY);
    // Networkless, like Clerk's verifyToken with jwtKey: the one key verifies whatever the kid says.
    const resolveKey = () => key;
    return {
      verify: (token, carrier) => verify(token, carrier, resolveKey),
      resolveKey,
      keys: async () => ({ keys: [await jwk], source: 'jwt_key', fetchedAt: null }),
      keyCache: undefined,
    };
  }

  const apiUrl = config.CLERK_API_URL;
  const secretKey = config.CLERK_SECRET_KEY ?? '';
  const url = new URL(apiUrl);
  const keyCache = new KeyCache({
    scope: `${url.host}${url.pathname === '/' ? '' : url.pathname}`,
    fetchJwks: () => fetchJwks({ apiUrl, secretKey, fetch: deps.fetch }),
    now: deps.now,
    log: deps.log,
    // Rotation is rare: forgetting every cached result is cheap and needs no per-entry kid.
    onKeysRemoved: () => results.clear(),
  });
  return {
    verify: (token, carrier, kv) => verify(token, carrier, (kid) => keyCache.getKey(kid, kv)),
    resolveKey: (kid, kv) => keyCache.getKey(kid, kv),
    keys: (kv) => keyCache.getKeys(kv),
    keyCache,
  };
}

/**
 * The isolate's verifiers, one per Clerk configuration (tests with other env values get their own),
 * owned by the composition root (`createServices`): a new registry is a cold isolate.
 */
export class VerifierRegistry {
  private readonly byId = new Map<string, Verifier>();
  private byConfig = new WeakMap<Config, Verifier>();

  constructor(private readonly deps: VerifierDeps) {}

  for(config: Config): Verifier {
    const known = this.byConfig.get(config); // config is parsed once per env object: skip building the id
    if (known) return known;
    const id = [
      config.CLERK_JWT_KEY ?? '',
      config.CLERK_API_URL,
      config.CLERK_SECRET_KEY ?? '',
      config.CLERK_AUTHORIZED_PARTIES.join(','),
    ].join('\n');
    let verifier = this.byId.get(id);
    if (!verifier) {
      if (this.byId.size >= MAX_VERIFIERS) {
        this.byId.clear();
        this.byConfig = new WeakMap();
      }
      verifier = createVerifier(config, this.deps);
      this.byId.set(id, verifier);
    }
    this.byConfig.set(config, verifier);
    return verifier;
  }
}
