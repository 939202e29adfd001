import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { expect } from 'vitest';

/** Fetches the worker under test through its real entry point. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`https://edge.fulcrum.test${path}`, init);
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

export { env };

export type FetchableApp = { fetch: (request: Request, env: any, ctx: ExecutionContext) => Response | Promise<Response> };

/** Calls an app (e.g. `createApp()` with other bindings) in a Worker execution context. */
export async function callApp(app: FetchableApp, path: string, init?: RequestInit, bindings: object = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`https://edge.fulcrum.test${path}`, init), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
