import { env } from 'cloudflare:workers';
import { vi } from 'vitest';

/** A handler for one Clerk Backend API path (e.g. `/v1/jwks`). */
export type ClerkHandler = (request: Request) => Response | Promise<Response>;

export type ClerkMock = {
  /** Every request that reached the mock, in order (Clerk routes and unhandled ones). */
  calls: Request[];
  /** Requests that no route handled: a test that expects none asserts this is empty. */
  unhandled: Request[];
  /** Replaces (or adds) a route handler at run time, e.g. to take Clerk "down". */
  set(path: string, handler: ClerkHandler): void;
  restore(): void;
};

/**
 * Mocks Clerk's Backend API (the one remote dependency, unreachable here) by
 * replacing `fetch` in the test isolate, which is the Worker's isolate too.
 * Unhandled-request guard: any other request fails loudly (a thrown TypeError,
 * as a network failure would) and is recorded in `unhandled`.
 */
export function mockClerk(routes: Record<string, ClerkHandler> = {}, baseUrl: string = env.CLERK_API_URL): ClerkMock {
  const table = new Map(Object.entries(routes));
  const calls: Request[] = [];
  const unhandled: Request[] = [];
  const base = new URL(baseUrl);
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    calls.push(request);
    const url = new URL(request.url);
    const handler = url.origin === base.origin ? table.get(url.pathname) : undefined;
    if (!handler) {
      unhandled.push(request);
      throw new TypeError(`unmocked outbound request: ${request.method} ${url.origin}${url.pathname}`);
    }
    return handler(request);
  });
  return {
    calls,
    unhandled,
    set: (path, handler) => void table.set(path, handler),
    restore: () => spy.mockRestore(),
  };
}

/** A JSON response, as Clerk would send it. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}
