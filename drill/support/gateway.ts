// The gateway's side of the drill: its configuration for one boot (a route to the fake origin, the
// timeout, the signing keys) and an origin-side verifier of the identity assertion written with `jose`,
// independent of the edge's code: it keeps the edge's JWKS, refetches it on an unknown `kid` (as an
// origin's library does, e.g. examples/go-origin) and checks signature, `typ`, `iss`, `aud`, `exp`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import type { FakeOrigin } from './fake-origin.ts';
import type { DrillService } from './service.ts';

/** `iss` of the drill's assertions: fixed, so assertions stay comparable across restarts (new ports). */
export const EDGE_ISSUER = 'https://edge.drill.test';
export const ASSERTION_TYP = 'fulcrum-assertion+jwt';

/** A private signing JWK for EDGE_SIGNING_KEY: Ed25519 (EdDSA) or P-256 (ES256), with a fresh `kid`. */
export function signingKey(kind: 'ed25519' | 'p256'): { jwk: string; kid: string } {
  const { privateKey } =
    kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `drill-${kind}-${randomBytes(4).toString('hex')}`;
  return { jwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid }), kid };
}

export type GatewayOptions = { key: string; previous?: string; timeoutMs?: number };

/** Vars for `service.boot({ vars })`: `/api/` forwarded to the fake origin, sessions and machine tokens accepted. */
export function gatewayVars(origin: FakeOrigin, options: GatewayOptions): Record<string, string> {
  const { key, previous, timeoutMs = 30_000 } = options;
  const accept = ['session_token', 'api_key', 'm2m_token', 'oauth_token'];
  return {
    GATEWAY_ROUTES: JSON.stringify([{ prefix: '/api/', accept }]),
    ORIGIN_URL: origin.url,
    ORIGIN_TIMEOUT_MS: String(timeoutMs),
    EDGE_ISSUER,
    EDGE_SIGNING_KEY: key,
    ...(previous ? { EDGE_SIGNING_KEY_PREVIOUS: previous } : {}),
  };
}

export type Verified = { ok: true; kid: string; alg: string; payload: JWTPayload } | { ok: false; error: string };

/** What an origin does with `x-fulcrum-assertion`: verify it against the edge's published JWKS. */
export function originVerifier(service: DrillService, origin: FakeOrigin) {
  let jwks: JSONWebKeySet | undefined;
  let fetches = 0;
  const refetch = async () => {
    const res = await fetch(`${service.url}/.well-known/fulcrum/jwks.json`);
    if (!res.ok) throw new Error(`JWKS ${res.status}`);
    jwks = (await res.json()) as JSONWebKeySet;
    fetches += 1;
  };
  const once = async (assertion: string, at?: Date): Promise<Verified> => {
    if (!jwks) await refetch();
    const { payload, protectedHeader } = await jwtVerify(assertion, createLocalJWKSet(jwks as JSONWebKeySet), {
      typ: ASSERTION_TYP,
      issuer: EDGE_ISSUER,
      audience: new URL(origin.url).origin,
      clockTolerance: 5,
      ...(at ? { currentDate: at } : {}),
    });
    return { ok: true, kid: protectedHeader.kid ?? '', alg: protectedHeader.alg, payload };
  };
  return {
    /** The JWKS fetches so far (the first, then one per unknown `kid`). */
    get fetches() {
      return fetches;
    },
    get kids() {
      return (jwks?.keys ?? []).map((k) => k.kid);
    },
    /** Verifies at `at` (default now); on an unknown `kid`, refetches the JWKS once and retries. */
    async verify(assertion: string | null, at?: Date): Promise<Verified> {
      if (!assertion) return { ok: false, error: 'no assertion' };
      try {
        return await once(assertion, at);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== 'ERR_JWKS_NO_MATCHING_KEY') return { ok: false, error: code ?? String((error as Error).message) };
        await refetch();
        return once(assertion, at).catch((e: Error & { code?: string }) => ({ ok: false, error: e.code ?? e.message }));
      }
    },
  };
}
