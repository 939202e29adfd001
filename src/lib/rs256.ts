/**
 * The one set of RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) parameters for WebCrypto:
 * Clerk signs session tokens with RS256 only, and every key this service imports is one.
 */
const RS256_IMPORT = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const RS256_VERIFY = { name: 'RSASSA-PKCS1-v1_5' } as const;
const encoder = new TextEncoder();

/** A public RSA key from its JWK modulus and exponent (a JWKS entry), for verification. */
export function importRs256Jwk(jwk: { n: string; e: string }): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'jwk',
    { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', ext: true },
    RS256_IMPORT,
    false,
    ['verify'],
  );
}

/** A public RSA key from SPKI DER (a PEM's body); extractable, so its JWK can be served. Rejects for anything else. */
export function importRs256Spki(der: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('spki', der, RS256_IMPORT, true, ['verify']);
}

/** Whether `signature` is a valid RS256 signature of a JWS signing input (`header.payload`); false on any failure. */
export async function verifyRs256(key: CryptoKey, signature: Uint8Array, signingInput: string): Promise<boolean> {
  try {
    return await crypto.subtle.verify(RS256_VERIFY, key, signature, encoder.encode(signingInput));
  } catch {
    return false;
  }
}
