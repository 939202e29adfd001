import { describe, expect, it } from 'vitest';
import { fetchJwks } from '../../src/clerk/jwks';
import { json } from '../helpers/clerk-mock';
import { countedStream } from '../helpers/streams';
import { testPublicJwk } from '../helpers/tokens';

const API = 'https://api.clerk.test';

function withFetch(handler: (req: Request) => Response | Promise<Response>, extra: { timeoutMs?: number } = {}) {
  const seen: Request[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    seen.push(req);
    return handler(req);
  }) as typeof fetch;
  return { seen, result: fetchJwks({ apiUrl: API, secretKey: 'sk_test_abc', fetch: fetchFn, ...extra }) };
}

describe('fetchJwks (Clerk faults)', () => {
  it('GET /v1/jwks with the secret key as bearer; keeps only public RSA fields', async () => {
    const { seen, result } = withFetch(() => json({ keys: [{ ...testPublicJwk('k1'), d: 'PRIVATE' }] }));
    const r = await result;
    expect(seen[0]?.url).toBe(`${API}/v1/jwks`);
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer sk_test_abc');
    expect(r).toMatchObject({ ok: true, keys: [{ kid: 'k1', kty: 'RSA' }] });
    expect(JSON.stringify(r)).not.toContain('PRIVATE');
  });

  it('500 ⇒ clerk_unreachable', async () => {
    expect(await withFetch(() => json({ errors: [] }, 500)).result).toEqual({
      ok: false,
      kind: 'clerk_unreachable',
      status: 500,
    });
  });

  it('network error ⇒ clerk_unreachable', async () => {
    expect(
      await withFetch(() => {
        throw new TypeError('connection refused');
      }).result,
    ).toEqual({ ok: false, kind: 'clerk_unreachable' });
  });

  it('timeout ⇒ clerk_unreachable (a hanging Clerk does not hang the request)', async () => {
    const { result } = withFetch(() => new Promise<Response>(() => {}), { timeoutMs: 50 });
    expect(await result).toEqual({ ok: false, kind: 'clerk_unreachable' });
  });

  it('a body that stalls after the headers also times out', async () => {
    const stalled = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"keys":[')) });
    const { result } = withFetch(() => new Response(stalled, { status: 200 }), { timeoutMs: 50 });
    expect(await result).toEqual({ ok: false, kind: 'clerk_unreachable' });
  });

  it('401 and 403 ⇒ secret_key_invalid', async () => {
    const body = { errors: [{ code: 'clerk_key_invalid', message: 'Secret key invalid' }] };
    expect(await withFetch(() => json(body, 401)).result).toMatchObject({ ok: false, kind: 'secret_key_invalid' });
    expect(await withFetch(() => json(body, 403)).result).toMatchObject({ ok: false, kind: 'secret_key_invalid' });
  });

  it('non-JSON ⇒ bad_response', async () => {
    expect(await withFetch(() => new Response('<html>oops</html>')).result).toMatchObject({
      ok: false,
      kind: 'bad_response',
    });
  });

  it('huge body ⇒ bad_response (declared or streamed)', async () => {
    const huge = JSON.stringify({ keys: [testPublicJwk('k1')], pad: 'x'.repeat(200_000) });
    expect(await withFetch(() => new Response(huge)).result).toMatchObject({ ok: false, kind: 'bad_response' });
    const { stream, pulled } = countedStream();
    expect(await withFetch(() => new Response(stream)).result).toMatchObject({ ok: false, kind: 'bad_response' });
    expect(pulled()).toBeLessThan(10);
  });

  it('empty key set, or keys that are not RSA public keys ⇒ bad_response', async () => {
    expect(await withFetch(() => json({ keys: [] })).result).toMatchObject({ ok: false, kind: 'bad_response' });
    expect(await withFetch(() => json({ keys: [{ kty: 'EC', kid: 'e', x: 'a', y: 'b' }] })).result).toMatchObject({
      kind: 'bad_response',
    });
    expect(await withFetch(() => json({ nope: true })).result).toMatchObject({ kind: 'bad_response' });
    expect(await withFetch(() => json(null)).result).toMatchObject({ kind: 'bad_response' });
  });

  it('other 4xx ⇒ bad_response', async () => {
    expect(await withFetch(() => json({}, 404)).result).toMatchObject({ ok: false, kind: 'bad_response', status: 404 });
  });
});
