import type * as z from 'zod/mini';
import type { ErrorCode } from '../errors';

/** How a route authenticates callers (mapped to OpenAPI security schemes). */
export type RouteSecurity = 'none' | 'session' | 'admin' | 'svix';

/**
 * One route's documentation. Route modules export these beside their routers, built
 * from the very schemas their validators use; scripts/openapi/openapi-document.ts turns
 * them into OpenAPI 3.1.
 */
export type RouteDoc = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template, e.g. `/v1/admin/tenants/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  security: RouteSecurity;
  query?: z.ZodMiniObject;
  params?: z.ZodMiniObject;
  /** Request headers the route reads (e.g. Svix's signature headers). */
  headers?: z.ZodMiniObject;
  body?: { schema: z.ZodMiniType; contentType?: string; description?: string };
  responses: Record<number, { description: string; schema?: z.ZodMiniType; contentType?: string }>;
  /** Error codes the route can answer with (rendered with the envelope schema). */
  errors: ErrorCode[];
  /** The route reads through a D1 session: documents `x-d1-bookmark` on the request and the 2xx response. */
  readSession?: boolean;
};
