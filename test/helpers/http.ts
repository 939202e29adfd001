import { env, SELF } from 'cloudflare:test';
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
