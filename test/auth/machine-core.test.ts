import { isMachineToken } from '@clerk/backend/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OPAQUE_NOT_FOUND_TTL_MS,
  OPAQUE_SUCCESS_TTL_MS,
  OpaqueTokenCache,
  tokenHash,
} from '../../src/auth/opaque-cache';
import { interpretVerifyResponse, type OpaqueResult } from '../../src/auth/opaque-verify';
import { recognizeToken } from '../../src/auth/token-type';
import { verifyMachineJwt } from '../../src/auth/verify-machine-jwt';
import { decodeJwt } from '../../src/auth/verify-session';
import { PenaltyBox } from '../../src/rate-limit/rate-limits';
import { mintM2MJwt, mintOAuthJwt, randomOpaque, verifiedBody } from '../helpers/machine-tokens';
import { generateRsaKeyPair, mintSessionToken, testPublicJwk } from '../helpers/tokens';

const publicKey = () =>
  crypto.subtle.importKey(
    'jwk',
    { ...testPublicJwk(), ext: true },
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['verify'],
  );

describe('recognition (before anything costs)', () => {
  it("types tokens in Clerk's order", async () => {
    expect(recognizeToken(randomOpaque('ak_'))).toEqual({ type: 'api_key', form: 'opaque' });
    expect(recognizeToken(randomOpaque('mt_'))).toEqual({ type: 'm2m_token', form: 'opaque' });
    expect(recognizeToken(randomOpaque('oat_'))).toEqual({ type: 'oauth_token', form: 'opaque' });
    expect(recognizeToken(await mintM2MJwt()).type).toBe('m2m_token');
    expect(recognizeToken(await mintOAuthJwt()).type).toBe('oauth_token');
    expect(recognizeToken(await mintSessionToken()).type).toBe('session_token');
    // Clerk checks the M2M JWT (sub mch_) before the OAuth one (typ at+jwt).
    expect(recognizeToken(await mintOAuthJwt({ sub: 'mch_x' })).type).toBe('m2m_token');
    // Clerk's own fixture API key has `/` and `=`.
    expect(recognizeToken('ak_LCWGdaM8mv8K4PC/57IICZQXAeWfCgF30DZaFXHoGn9=')).toEqual({
      type: 'api_key',
      form: 'opaque',
    });
  });

  it('opaque shapes no Clerk token has are malformed (never sent to Clerk)', () => {
    for (const t of [
      'ak_',
      'ak_short',
      `ak_${'a'.repeat(300)}`,
      'mt_abc.def.ghi',
      'oat_ä-not-ascii-at-all-xx',
      'ak_has space inside xxxxxxx',
    ]) {
      expect(recognizeToken(t).form, t).toBe('malformed');
    }
  });

  it("agrees with Clerk's isMachineToken on any string (prefixes and JWT markers)", async () => {
    const jwts = await Promise.all([
      mintM2MJwt(),
      mintOAuthJwt(),
      mintSessionToken(),
      mintOAuthJwt({ header: { typ: 'application/at+jwt' } }),
    ]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom('ak_', 'mt_', 'oat_', 'sk_', 'oat', 'm').chain((p) => fc.string().map((s) => p + s)),
          fc.constantFrom(...jwts),
        ),
        (t) => {
          expect(recognizeToken(t).type !== 'session_token').toBe(isMachineToken(t));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('machine JWTs: Clerk verifyM2MJwt / verifyOAuthJwt rules', () => {
  const verify = async (
    type: 'm2m_token' | 'oauth_token',
    token: string,
    oauthAudience: string[] = [],
    now = Date.now(),
  ) => {
    const jwt = decodeJwt(token);
    if (!jwt) throw new Error('not a JWT');
    const key = await publicKey();
    return verifyMachineJwt(type, jwt, { resolveKey: async () => key, oauthAudience, now });
  };

  it('accepts well-formed tokens and maps Clerk resource fields', async () => {
    const m2m = await verify('m2m_token', await mintM2MJwt({ claims: { team: 'ci' } }));
    expect(m2m).toMatchObject({
      ok: true,
      value: { subject: 'mch_test_machine_1', scopes: ['mch_peer_1', 'mch_peer_2'], clientId: null },
    });
    expect(m2m.ok && m2m.value.claims).toMatchObject({ team: 'ci' });
    const oauth = await verify('oauth_token', await mintOAuthJwt());
    expect(oauth).toMatchObject({
      ok: true,
      value: { subject: 'user_oauth_1', scopes: ['read', 'write'], clientId: 'client_test_1' },
    });
  });

  it('refuses what Clerk refuses', async () => {
    const other = (await generateRsaKeyPair()).privateKey;
    const cases: [string, 'm2m_token' | 'oauth_token', string][] = [
      ['wrong_category', 'm2m_token', await mintM2MJwt({ header: { cat: 'cl_B7d4PD111AAA' } })],
      ['bad_header_type', 'm2m_token', await mintM2MJwt({ header: { typ: 'at+jwt' } })],
      ['bad_algorithm', 'm2m_token', await mintM2MJwt({ header: { alg: 'RS384' } })],
      ['bad_signature', 'm2m_token', await mintM2MJwt({ key: other })],
      ['bad_claims', 'm2m_token', await mintM2MJwt({ claims: { exp: undefined } })],
      ['expired', 'm2m_token', await mintM2MJwt({ iat: Math.floor(Date.now() / 1000) - 100, ttl: 10 })],
      ['not_yet_valid', 'oauth_token', await mintOAuthJwt({ claims: { nbf: Math.floor(Date.now() / 1000) + 60 } })],
      [
        'issued_in_future',
        'oauth_token',
        await mintOAuthJwt({ iat: Math.floor(Date.now() / 1000) + 60, claims: { nbf: undefined } }),
      ],
    ];
    for (const [reason, type, token] of cases)
      expect(await verify(type, token), reason).toEqual({ ok: false, error: reason });
  });

  it('exp has 5 s of skew, driven by the clock', async () => {
    const token = await mintM2MJwt({ ttl: 60 });
    const exp = (decodeJwt(token)!.payload.exp as number) * 1000;
    expect((await verify('m2m_token', token, [], exp + 4_000)).ok).toBe(true);
    expect(await verify('m2m_token', token, [], exp + 5_000)).toEqual({ ok: false, error: 'expired' });
  });

  it('OAuth aud must match CLERK_OAUTH_AUDIENCE when it is set', async () => {
    const aud = 'https://api.fulcrum.test';
    expect((await verify('oauth_token', await mintOAuthJwt({ claims: { aud } }), [aud])).ok).toBe(true);
    expect((await verify('oauth_token', await mintOAuthJwt({ claims: { aud: ['x', aud] } }), [aud])).ok).toBe(true);
    expect(await verify('oauth_token', await mintOAuthJwt({ claims: { aud: 'https://other' } }), [aud])).toEqual({
      ok: false,
      error: 'audience_mismatch',
    });
    expect(await verify('oauth_token', await mintOAuthJwt(), [aud])).toEqual({ ok: false, error: 'audience_mismatch' });
    expect((await verify('oauth_token', await mintOAuthJwt({ claims: { aud: 'https://other' } }), [])).ok).toBe(true);
  });
});

describe('opaque verify responses', () => {
  const now = Date.now();
  const read = (
    status: number,
    body: unknown,
    type: 'api_key' | 'm2m_token' | 'oauth_token' = 'api_key',
    oauthAudience: string[] = [],
  ) => interpretVerifyResponse(type, { kind: 'response', status, body }, { now, oauthAudience });

  it('a 200 is refused when it says revoked, expired or active:false (stricter than Clerk)', () => {
    expect(read(200, verifiedBody('api_key', { subject: 'user_1' })).ok).toBe(true);
    expect(read(200, verifiedBody('api_key', { subject: 'user_1', revoked: true }))).toMatchObject({
      ok: false,
      error: { reason: 'revoked' },
    });
    expect(read(200, verifiedBody('m2m_token', { subject: 'mch_1', expired: true }), 'm2m_token')).toMatchObject({
      error: { reason: 'expired' },
    });
    expect(read(200, verifiedBody('api_key', { subject: 'user_1', expiration: now - 1 }))).toMatchObject({
      error: { reason: 'expired' },
    });
    expect(read(200, { active: false }, 'oauth_token')).toMatchObject({ ok: false, error: { reason: 'inactive' } });
    expect(read(200, { object: 'api_key' })).toMatchObject({ ok: false, error: { reason: 'missing_subject' } });
  });

  it('404 is a cacheable refusal; 401/403 mean the secret key; 429/5xx/garbage/unreachable are unavailable', () => {
    expect(read(404, {})).toEqual({ ok: false, error: { reason: 'not_found', cacheable: true } });
    expect(read(400, {})).toEqual({ ok: false, error: { reason: 'malformed', cacheable: false } });
    expect(read(401, {})).toMatchObject({ error: { unavailable: 'secret_key_invalid' } });
    expect(read(403, {})).toMatchObject({ error: { unavailable: 'secret_key_invalid' } });
    for (const s of [429, 500, 503]) expect(read(s, {})).toMatchObject({ error: { unavailable: 'clerk_unreachable' } });
    expect(read(200, 'garbage')).toMatchObject({ error: { unavailable: 'clerk_unreachable' } });
    expect(interpretVerifyResponse('api_key', { kind: 'unreachable' }, { now, oauthAudience: [] })).toMatchObject({
      error: { unavailable: 'clerk_unreachable' },
    });
  });

  it('OAuth opaque tokens: the audience rule applies too (Clerk asserts it after verify)', () => {
    const body = verifiedBody('oauth_token', { subject: 'user_1', aud: ['https://api.fulcrum.test'] });
    expect(read(200, body, 'oauth_token', ['https://api.fulcrum.test']).ok).toBe(true);
    expect(read(200, body, 'oauth_token', ['https://other'])).toMatchObject({ error: { reason: 'audience_mismatch' } });
  });
});

describe('opaque cache: SHA-256 keyed, TTLs, single-flight, bounded', () => {
  const ok = (expiresAtMs: number | null = null): OpaqueResult => ({
    ok: true,
    value: { id: 'ak_id', subject: 'user_1', scopes: [], claims: null, clientId: null, expiresAtMs },
  });

  it('never keeps the token, only its hash', async () => {
    const token = randomOpaque('ak_');
    const h = await tokenHash(token);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(token.slice(3, 10));
  });

  it('a success lives min(60 s, expiration); a 404 10 s; unavailable never', async () => {
    let t = 1_000_000;
    const now = () => t;
    const cache = new OpaqueTokenCache();
    let calls = 0;
    const counted = (r: OpaqueResult) => async () => {
      calls++;
      return r;
    };
    await cache.resolve('a', now, counted(ok()));
    t += OPAQUE_SUCCESS_TTL_MS - 1;
    await cache.resolve('a', now, counted(ok()));
    expect(calls).toBe(1);
    t += 1;
    await cache.resolve('a', now, counted(ok()));
    expect(calls).toBe(2);

    await cache.resolve('b', now, counted(ok(t + 5_000)));
    t += 5_000;
    await cache.resolve('b', now, counted(ok(t + 5_000)));
    expect(calls).toBe(4);

    await cache.resolve('c', now, counted({ ok: false, error: { reason: 'not_found', cacheable: true } }));
    t += OPAQUE_NOT_FOUND_TTL_MS - 1;
    expect(await cache.resolve('c', now, counted(ok()))).toMatchObject({ ok: false, error: { reason: 'not_found' } });
    t += 1;
    expect((await cache.resolve('c', now, counted(ok()))).ok).toBe(true);
    expect(calls).toBe(6);

    for (const r of [
      { ok: false, error: { unavailable: 'clerk_unreachable' } },
      { ok: false, error: { reason: 'revoked', cacheable: false } },
    ] as OpaqueResult[]) {
      await cache.resolve('d', now, counted(r));
      await cache.resolve('d', now, counted(r));
    }
    expect(calls).toBe(10);
  });

  it('concurrent lookups of one uncached token share one call', async () => {
    const cache = new OpaqueTokenCache();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const verify = async () => {
      calls++;
      await gate;
      return ok();
    };
    const all = Promise.all(Array.from({ length: 50 }, () => cache.resolve('same', Date.now, verify)));
    expect(cache.isInflight('same')).toBe(true);
    release();
    expect((await all).every((r) => r.ok)).toBe(true);
    expect(calls).toBe(1);
  });

  it('stays bounded under a flood, and the flood of 404s does not evict good entries', async () => {
    const cache = new OpaqueTokenCache({ maxEntries: 100, maxNegativeEntries: 50 });
    for (let i = 0; i < 100; i++) await cache.resolve(`good${i}`, Date.now, async () => ok());
    for (let i = 0; i < 5_000; i++)
      await cache.resolve(`bad${i}`, Date.now, async () => ({
        ok: false,
        error: { reason: 'not_found', cacheable: true },
      }));
    expect(cache.size).toEqual({ positive: 100, negative: 50, inflight: 0 });
    expect(cache.get('good0', Date.now())?.ok).toBe(true);
  });
});

describe('penalty box', () => {
  it('remembers a key until its period ends, bounded', () => {
    const box = new PenaltyBox(3);
    box.add('ip1', 0, 60);
    expect(box.remaining('ip1', 30_000)).toBe(30);
    expect(box.remaining('ip1', 60_000)).toBe(0);
    for (const k of ['a', 'b', 'c', 'd']) box.add(k, 0, 60);
    expect(box.remaining('a', 1)).toBe(0);
    expect(box.remaining('d', 1)).toBeGreaterThan(0);
  });
});
