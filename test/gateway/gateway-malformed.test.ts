import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { expectError } from '../helpers/http';
import { capturedOrigin, gatewayBindings, send } from './harness';

const app = createApp();

/**
 * A GET or HEAD carrying a body, as an HTTP/1.1 client can send it (`Content-Length: 3`) and workerd hands it to
 * the Worker. Fetch's `new Request` refuses to build one, so the test wraps a POST and reports GET/HEAD.
 */
function withBody(method: 'GET' | 'HEAD', path: string): Request {
  const real = new Request(`https://edge.fulcrum.test${path}`, {
    method: 'POST',
    body: 'abc',
    headers: { 'cf-connecting-ip': '198.18.7.7' },
  });
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'method') return method;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('gateway: what cannot be relayed as it came', () => {
  it('GET or HEAD with a body ⇒ 400 invalid_request (not 500), nothing forwarded', async () => {
    const origin = capturedOrigin();
    const b = await gatewayBindings([{ prefix: '/pub/', auth: 'none' }], origin);
    for (const method of ['GET', 'HEAD'] as const) {
      const ctx = createExecutionContext();
      const res = await app.fetch(withBody(method, '/pub/x'), b, ctx);
      await waitOnExecutionContext(ctx);
      if (method === 'GET') await expectError(res, 400, 'invalid_request');
      else expect(res.status).toBe(400);
    }
    expect(origin.received).toHaveLength(0);
  });

  it('an origin status outside 200–599, or 101 without a WebSocket ⇒ 502 bad_gateway (not 500)', async () => {
    for (const status of [600, 999, 101, 100, 0]) {
      const origin = capturedOrigin(
        () => ({ status, statusText: '', headers: new Headers(), body: null, webSocket: null }) as unknown as Response,
      );
      const b = await gatewayBindings([{ prefix: '/pub/', auth: 'none' }], origin);
      await expectError(await send(b, '/pub/x'), 502, 'bad_gateway');
    }
  });
});
