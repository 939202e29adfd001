import { describe, expect, it } from 'vitest';
import { CLERK_API_VERSION, type ClerkRequest, clerkRequest } from '../../src/clerk/backend-api';
import { json } from '../helpers/clerk-mock';
import { countedStream } from '../helpers/streams';

const API = 'https://api.clerk.test';

function call(
  handler: (req: Request) => Response | Promise<Response>,
  req: ClerkRequest,
  extra: { timeoutMs?: number } = {},
) {
  const seen: Request[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request);
    return handler(request);
  }) as typeof globalThis.fetch;
  return { seen, result: clerkRequest({ apiUrl: API, secretKey: 'sk_test_abc', fetch, ...extra }, req) };
}

describe('clerkRequest (the one Backend API helper)', () => {
  it('GET under /v1 with the secret key, Clerk-API-Version and the query; JSON body as the value', async () => {
    const { seen, result } = call(() => json([{ id: 'user_1' }]), {
      path: '/users',
      query: { limit: 2, order_by: '+created_at' },
    });
    expect(await result).toEqual({ ok: true, value: [{ id: 'user_1' }] });
    const url = new URL(seen[0]?.url ?? '');
    expect(url.pathname).toBe('/v1/users');
    expect(url.searchParams.get('order_by')).toBe('+created_at');
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer sk_test_abc');
    expect(seen[0]?.headers.get('clerk-api-version')).toBe(CLERK_API_VERSION);
    expect(seen[0]?.headers.get('content-type')).toBeNull();
  });

  it('JSON POST without the /v1 prefix (machine verification endpoints)', async () => {
    const { seen, result } = call(() => json({ id: 'ak_1' }), {
      method: 'POST',
      path: '/api_keys/verify',
      body: { secret: 'ak_secret' },
      skipApiVersionInUrl: true,
    });
    expect(await result).toEqual({ ok: true, value: { id: 'ak_1' } });
    expect(new URL(seen[0]?.url ?? '').pathname).toBe('/api_keys/verify');
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.headers.get('content-type')).toBe('application/json');
    expect(await seen[0]?.json()).toEqual({ secret: 'ak_secret' });
  });

  it('401 and 403 ⇒ unauthorized (the secret key is invalid); 404 and 5xx ⇒ http with the status', async () => {
    for (const status of [401, 403]) {
      expect(
        await call(() => json({ errors: [{ code: 'clerk_key_invalid' }] }, status), { path: '/jwks' }).result,
      ).toEqual({
        ok: false,
        error: { reason: 'unauthorized', status },
      });
    }
    for (const status of [404, 422, 429, 500]) {
      expect(await call(() => json({ errors: [] }, status), { path: '/users/user_x' }).result).toEqual({
        ok: false,
        error: { reason: 'http', status },
      });
    }
  });

  it('a network error ⇒ network; a hanging Clerk, or a body that stalls, ⇒ timeout', async () => {
    const refused = call(
      () => {
        throw new TypeError('connection refused');
      },
      { path: '/jwks' },
    );
    expect(await refused.result).toEqual({ ok: false, error: { reason: 'network' } });
    expect(await call(() => new Promise<Response>(() => {}), { path: '/jwks', timeoutMs: 30 }).result).toEqual({
      ok: false,
      error: { reason: 'timeout' },
    });
    const stalled = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"keys":[')) });
    expect(await call(() => new Response(stalled), { path: '/jwks' }, { timeoutMs: 30 }).result).toEqual({
      ok: false,
      error: { reason: 'timeout' },
    });
  });

  it('a body over the cap ⇒ too_large, read no further; a 2xx body that is not JSON ⇒ malformed', async () => {
    const { stream, pulled } = countedStream();
    expect(await call(() => new Response(stream), { path: '/users', maxBytes: 32_768 }).result).toMatchObject({
      ok: false,
      error: { reason: 'too_large' },
    });
    expect(pulled()).toBeLessThan(10);
    expect(await call(() => new Response('<html>', { status: 200 }), { path: '/users' }).result).toMatchObject({
      ok: false,
      error: { reason: 'malformed' },
    });
  });

  it('never puts the secret key in a result', async () => {
    const results = await Promise.all([
      call(() => json({}, 401), { path: '/jwks' }).result,
      call(() => new Response('nope'), { path: '/jwks' }).result,
    ]);
    expect(JSON.stringify(results)).not.toContain('sk_test_abc');
  });
});
