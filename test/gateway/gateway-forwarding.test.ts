import type { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { capturedOrigin, gatewayBindings, send } from './harness';

/** Answered by the Vitest config's outbound service (in Node): requests really go through workerd's fetch. */
const URL_ORIGIN_HOST = 'origin.gateway.test';

const auth = async () => bearer(await mintSessionToken({ userId: uid('user') }));
const MiB = 1024 * 1024;

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
}

describe('gateway bodies (streamed both ways)', () => {
  it.each([0, 1, MiB])('a %d-byte upload arrives intact', async (size) => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const body = randomBytes(size);
    const res = await send(b, '/api/upload', { method: 'POST', headers: await auth(), body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ bytes: size });
    expect(await sha256(origin.received[0]!.body)).toBe(await sha256(body));
  });

  it('a chunked upload streams: the origin answers after its first chunk, before the client has finished', async () => {
    let firstChunk: string | undefined;
    const origin = capturedOrigin(async (request) => {
      const reader = request.body!.getReader();
      firstChunk = new TextDecoder().decode((await reader.read()).value);
      // Answer now and drain the rest later: a buffering gateway would never get here.
      const rest = (async () => {
        let n = 0;
        for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
        return n;
      })();
      return new Response(
        new ReadableStream({
          async start(c) {
            c.enqueue(new TextEncoder().encode(`rest=${await rest}`));
            c.close();
          },
        }),
      );
    });
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    void writer.write(new TextEncoder().encode('chunk-1'));
    const pending = send(b, '/api/stream', { method: 'PUT', headers: await auth(), body: readable });
    const res = await pending;
    expect(firstChunk).toBe('chunk-1');
    await writer.write(new TextEncoder().encode('chunk-22'));
    await writer.close();
    expect(await res.text()).toBe('rest=8');
  });

  it('a download streams: headers and the first chunk reach the client while the origin is still writing', async () => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const origin = capturedOrigin(
      () => new Response(readable, { headers: { 'content-type': 'application/octet-stream' } }),
    );
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    void writer.write(new Uint8Array([1, 2, 3]));
    const res = await send(b, '/api/download', { headers: await auth() });
    const reader = res.body!.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([1, 2, 3]));
    const written = writer.write(new Uint8Array([4])); // resolves once read (backpressure)
    expect((await reader.read()).value).toEqual(new Uint8Array([4]));
    await written;
    await writer.close();
    expect((await reader.read()).done).toBe(true);
  });
});

describe('gateway responses', () => {
  it('3xx reach the client untouched (never followed)', async () => {
    const origin = capturedOrigin(
      () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.test/next' } }),
    );
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const res = await send(b, '/api/go', { headers: await auth() });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://elsewhere.test/next');
  });

  it('the origin’s own 5xx is passed through as it came (not turned into an edge error)', async () => {
    const origin = capturedOrigin(
      () => new Response('origin is sad', { status: 503, headers: { 'retry-after': '7' } }),
    );
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const res = await send(b, '/api/x', { headers: await auth() });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.text()).toBe('origin is sad');
  });

  it('origin refused or reset ⇒ 502 bad_gateway with the envelope and x-request-id, tried once', async () => {
    const origin = capturedOrigin(() => {
      throw new TypeError('Network connection lost.');
    });
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const error = await expectError(
      await send(b, '/api/x', { method: 'POST', headers: await auth(), body: 'once' }),
      502,
      'bad_gateway',
    );
    expect(error.requestId).toMatch(/.+/);
    expect(origin.received).toHaveLength(1);
  });

  it(
    'no response headers within ORIGIN_TIMEOUT_MS ⇒ 504 gateway_timeout, ' + 'the origin request aborted, not retried',
    async () => {
      let signal: AbortSignal | undefined;
      const origin = capturedOrigin(
        (_req, s) =>
          new Promise<Response>((_resolve, reject) => {
            signal = s;
            s?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          }),
      );
      const b = await gatewayBindings([{ prefix: '/api/' }], origin, { ORIGIN_TIMEOUT_MS: '50' });
      await expectError(await send(b, '/api/slow', { headers: await auth() }), 504, 'gateway_timeout');
      expect(signal?.aborted).toBe(true);
      expect(origin.received).toHaveLength(1);
    },
  );
});

describe('gateway WebSocket upgrades', () => {
  it('pass through once authenticated (Upgrade kept); refused before authentication', async () => {
    const origin = capturedOrigin(() => {
      const pair = new WebSocketPair();
      pair[1].accept();
      pair[1].addEventListener('message', (e) => pair[1].send(`echo:${e.data}`));
      return new Response(null, { status: 101, webSocket: pair[0] });
    });
    const b = await gatewayBindings([{ prefix: '/api/' }], origin);
    const upgrade = { upgrade: 'websocket', connection: 'Upgrade' };
    await expectError(await send(b, '/api/ws', { headers: upgrade }), 401, 'invalid_token');
    expect(origin.received).toHaveLength(0);
    const res = await send(b, '/api/ws', { headers: { ...upgrade, ...(await auth()) } });
    expect(res.status).toBe(101);
    expect(origin.received[0]?.headers.get('upgrade')).toBe('websocket');
    const ws = res.webSocket!;
    // A `Connection` naming more than `upgrade` is reduced to it: it must not tell a proxy to drop our headers.
    const sneaky = await send(b, '/api/ws', {
      headers: { ...upgrade, connection: 'Upgrade, x-fulcrum-user-id', ...(await auth()) },
    });
    expect(sneaky.status).toBe(101);
    expect(origin.received[1]?.headers.get('connection')?.toLowerCase()).toBe('upgrade');
    expect(origin.received[1]?.headers.get('x-fulcrum-user-id')).toMatch(/^user_/);
    sneaky.webSocket!.accept();
    sneaky.webSocket!.close();
    ws.accept();
    const reply = new Promise<string>((resolve) => ws.addEventListener('message', (e) => resolve(String(e.data))));
    ws.send('hi');
    expect(await reply).toBe('echo:hi');
    ws.close();
  });
});

describe('gateway over ORIGIN_URL (workerd fetch)', () => {
  const urlBindings = async () => {
    const b = await gatewayBindings(
      [{ prefix: '/api/' }],
      { binding: undefined as unknown as Fetcher },
      { EDGE_AUDIENCE: undefined },
    );
    return { ...b, ORIGIN: undefined, ORIGIN_URL: `https://${URL_ORIGIN_HOST}/base/` } as typeof env;
  };

  it('forwards under the base path; the audience defaults to ORIGIN_URL’s origin', async () => {
    const res = await send(await urlBindings(), '/api/hello?x=1', {
      method: 'POST',
      headers: await auth(),
      body: 'abc',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { path: string; bytes: number; headers: Record<string, string> };
    expect(body).toMatchObject({ path: '/base/api/hello', bytes: 3 });
    const claims = JSON.parse(
      atob(body.headers['x-fulcrum-assertion']!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')),
    );
    expect(claims.aud).toBe(`https://${URL_ORIGIN_HOST}`);
  });

  it('redirect: manual over a real fetch; several Set-Cookie survive the hop', async () => {
    const b = await urlBindings();
    const redirect = await send(b, '/api/redirect', { headers: await auth() });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`https://${URL_ORIGIN_HOST}/target`);
    const cookies = await send(b, '/api/cookies', { headers: await auth() });
    expect(cookies.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });
});
