import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';

/**
 * `cf-connecting-ip` as Cloudflare sets it, a fresh one (198.18.0.0/15, RFC 2544) per request unless
 * the test sets its own: the suite's many refused tokens must not add up on one AUTH_FAILURE_LIMITER
 * key. Rate-limit tests pass a fixed IP.
 */
export function withClientIp(init?: RequestInit): RequestInit {
  const headers = new Headers(init?.headers);
  if (!headers.has('cf-connecting-ip')) {
    const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
    headers.set('cf-connecting-ip', `198.${18 + ((a ?? 0) % 2)}.${b}.${c}`);
  }
  return { ...init, headers };
}

/** Fetches the worker under test through its real entry point. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`https://edge.fulcrum.test${path}`, withClientIp(init));
}

/** Asserts the DESIGN.md error envelope and returns it. */
export async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  return body.error;
}

export type FetchableApp = {
  fetch: (request: Request, env: any, ctx: ExecutionContext) => Response | Promise<Response>;
};

/** Calls an app (e.g. `createApp()` with other bindings) in a Worker execution context. */
export async function callApp(
  app: FetchableApp,
  path: string,
  init?: RequestInit,
  bindings: object = env,
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`https://edge.fulcrum.test${path}`, withClientIp(init)), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
