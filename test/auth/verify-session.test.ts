import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuthFailure, decodeJwt, verifySessionToken } from '../../src/auth/verify-session';
import { encodeBase64Url } from '../../src/lib/base64url';
import { generateRsaKeyPair, mintSessionToken, TEST_AZP, TEST_KID } from '../helpers/tokens';

const publicKey = crypto.subtle.importKey(
  'jwk',
  JSON.parse(env.TEST_PUBLIC_JWK),
  { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  false,
  ['verify'],
);
const NOW = 1_800_000_000;
const byKid = async (kid: string | undefined) => (kid === TEST_KID ? publicKey : null);

function verify(token: string, extra: { carrier?: 'header' | 'cookie'; parties?: string[]; nowMs?: number } = {}) {
  return verifySessionToken(token, {
    resolveKey: byKid,
    authorizedParties: extra.parties ?? [TEST_AZP],
    carrier: extra.carrier ?? 'header',
    now: () => extra.nowMs ?? NOW * 1000,
  });
}

async function reason(token: Promise<string>, extra?: Parameters<typeof verify>[1]): Promise<AuthFailure | 'ok'> {
  const r = await verify(await token, extra);
  return r.ok ? 'ok' : r.error;
}

describe('verifySessionToken (pure, injected clock and keys)', () => {
  it('accepts a valid token and maps Clerk v2 claims', async () => {
    const r = await verify(
      await mintSessionToken({ iat: NOW, fva: [3, 7], org: { id: 'org_1', role: 'admin', permissions: ['read'] } }),
    );
    expect(r).toMatchObject({ ok: true, value: { expiresAtMs: (NOW + 60) * 1000 } });
    if (r.ok)
      expect(r.value.auth).toMatchObject({
        userId: 'user_test_1',
        sessionId: 'sess_test_1',
        orgId: 'org_1',
        orgRole: 'org:admin',
        factorVerificationAge: [3, 7],
      });
  });

  it('names each refusal', async () => {
    expect(await reason(mintSessionToken({ iat: NOW - 66 }))).toBe('expired');
    expect(await reason(mintSessionToken({ iat: NOW - 64 }))).toBe('ok'); // within skew
    expect(await reason(mintSessionToken({ iat: NOW, claims: { nbf: NOW + 6 } }))).toBe('not_yet_valid');
    expect(await reason(mintSessionToken({ iat: NOW + 6, claims: { nbf: NOW } }))).toBe('issued_in_future');
    expect(await reason(mintSessionToken({ iat: NOW, header: { kid: 'nope' } }))).toBe('unknown_kid');
    expect(await reason(mintSessionToken({ iat: NOW, key: (await generateRsaKeyPair()).privateKey }))).toBe(
      'bad_signature',
    );
    expect(await reason(mintSessionToken({ iat: NOW, azp: 'https://x.test' }))).toBe('azp_mismatch');
    expect(await reason(mintSessionToken({ iat: NOW, azp: 'https://x.test' }), { parties: [] })).toBe('ok');
    expect(await reason(mintSessionToken({ iat: NOW, claims: { azp: undefined } }), { carrier: 'cookie' })).toBe(
      'azp_mismatch',
    );
    expect(await reason(mintSessionToken({ iat: NOW }), { carrier: 'cookie', parties: [] })).toBe('azp_mismatch');
    expect(await reason(mintSessionToken({ iat: NOW, claims: { sid: undefined } }))).toBe('missing_session');
    expect(await reason(mintSessionToken({ iat: NOW, claims: { sub: undefined } }))).toBe('missing_subject');
    expect(await reason(mintSessionToken({ iat: NOW, claims: { sts: 'pending' } }))).toBe('pending_session');
    expect(await reason(mintSessionToken({ iat: NOW, claims: { sts: 'active' } }))).toBe('ok');
    expect(await reason(mintSessionToken({ iat: NOW, header: { cat: 'cl_B7d4PD222AAA' } }))).toBe('wrong_category');
    // Clerk's IGNORE category
    expect(await reason(mintSessionToken({ iat: NOW, header: { cat: 'cl_I7d4PD111III' } }))).toBe('ok');
    expect(await reason(mintSessionToken({ iat: NOW, header: { cat: undefined, typ: undefined } }))).toBe('ok');
    expect(await reason(mintSessionToken({ iat: NOW, header: { typ: 'at+jwt' } }))).toBe('machine_token');
    expect(await reason(mintSessionToken({ iat: NOW, userId: 'mch_1' }))).toBe('machine_token');
    expect(await reason(mintSessionToken({ iat: NOW, header: { typ: 'jwt' } }))).toBe('bad_header_type');
    expect(await reason(mintSessionToken({ iat: NOW, header: { alg: 'RS512' } }))).toBe('bad_algorithm');
    expect(await reason(mintSessionToken({ iat: NOW, claims: { exp: 'soon' } }))).toBe('bad_claims');
    expect(await reason(Promise.resolve('a.b'))).toBe('malformed');
    expect(await reason(Promise.resolve(''))).toBe('missing');
    expect(await reason(Promise.resolve('a'.repeat(9000)))).toBe('too_large');
  });

  it('treats an exp beyond the Date range like Clerk does (never expired) but gives it no cache lifetime', async () => {
    const r = await verify(await mintSessionToken({ iat: NOW, claims: { exp: 1e300 } }));
    expect(r.ok).toBe(true);
    if (r.ok) expect(Number.isNaN(r.value.expiresAtMs)).toBe(true);
  });

  it('normalises fva and org fields to the AuthContext shape', async () => {
    const r = await verify(await mintSessionToken({ iat: NOW, claims: { fva: 'x', v: undefined, org_id: 5 } }));
    expect(r.ok && r.value.auth).toMatchObject({
      factorVerificationAge: null,
      orgId: null,
      orgRole: null,
      orgPermissions: [],
    });
  });
});

describe('decodeJwt: JSON segments as Clerk reads them (UTF-8, not fatal)', () => {
  const b64 = (bytes: Uint8Array) => encodeBase64Url(bytes);
  /** The reading as it was: the segment's bytes through a non-fatal UTF-8 decoder, then JSON.parse. */
  const reference = (bytes: Uint8Array) => {
    try {
      const v = JSON.parse(new TextDecoder().decode(bytes));
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
    } catch {
      return null;
    }
  };
  const sig = b64(new Uint8Array([1, 2, 3]));

  it('ASCII, non-ASCII (names, emoji), a BOM, invalid UTF-8 and arbitrary bytes read alike (property)', () => {
    const utf8 = (s: string) => new TextEncoder().encode(s);
    const json = fc.jsonValue().map((v) => utf8(JSON.stringify({ v })));
    const bom = json.map((b) => Uint8Array.from([0xef, 0xbb, 0xbf, ...b]));
    const invalid = json.map((b) => Uint8Array.from([...b.slice(0, -1), 0xff, ...b.slice(-1)]));
    const segment = fc.oneof(json, bom, invalid, fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(segment, (bytes) => {
        const jwt = decodeJwt(`${b64(utf8('{"alg":"RS256"}'))}.${b64(bytes)}.${sig}`);
        const want = reference(bytes);
        expect(jwt?.payload ?? null).toEqual(want);
      }),
      { numRuns: 1000 },
    );
  });

  it('a name in UTF-8 comes back as it was signed', () => {
    const payload = { sub: 'user_1', name: 'Zoë Ålander 🦊' };
    const token = `${b64(new TextEncoder().encode('{"alg":"RS256"}'))}.${encodeBase64Url(JSON.stringify(payload))}.${sig}`;
    expect(decodeJwt(token)?.payload).toEqual(payload);
  });
});
