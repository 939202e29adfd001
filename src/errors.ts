import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error code the API can answer with, and its HTTP status (DESIGN.md "Errors"). */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_token: 401,
  forbidden: 403,
  second_factor_required: 403,
  tenant_archived: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  gateway_timeout: 504,
  auth_unavailable: 503,
  misconfigured: 503,
  metrics_unavailable: 503,
  storage_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  invalid_request: 'The request is invalid.',
  invalid_token: 'A valid session token is required.',
  forbidden: 'You are not allowed to do this.',
  second_factor_required: 'A recently verified second factor is required.',
  tenant_archived: 'This tenant has been archived.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  conflict: 'The request conflicts with the current state.',
  gone: 'No longer available: retention has removed it.',
  payload_too_large: 'The request body is too large.',
  rate_limited: 'Too many requests; retry later.',
  internal: 'Internal error.',
  bad_gateway: 'The API origin could not be reached.',
  gateway_timeout: 'The API origin did not answer in time.',
  auth_unavailable: 'Authentication is temporarily unavailable.',
  misconfigured: 'The service is misconfigured.',
  metrics_unavailable: 'Metrics are unavailable: the analytics API did not answer.',
  storage_unavailable: 'Storage is temporarily unavailable; retry later.',
};

/**
 * The one error type handlers throw. `message` is safe for clients; `detail` and
 * `cause` are for logs only. `headers` and `extra` (merged into the `error` object)
 * let a code carry its contract, e.g. `Retry-After` or `signInUrl`.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    options: {
      message?: string;
      detail?: Record<string, unknown>;
      headers?: Record<string, string>;
      extra?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(options.message ?? DEFAULT_MESSAGES[code], { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.detail = options.detail;
    this.headers = options.headers;
    this.extra = options.extra;
  }
}

export type ErrorBody = {
  error: { code: ErrorCode; message: string; requestId: string } & Record<string, unknown>;
};

/** Builds the envelope `{"error":{"code","message","requestId",...extra}}`. */
function errorBody(code: ErrorCode, requestId: string, message?: string, extra?: Record<string, unknown>): ErrorBody {
  return { error: { ...extra, code, message: message ?? DEFAULT_MESSAGES[code], requestId } };
}

/** Renders an AppError (or a bare code) as the JSON envelope with its status and headers. */
export function errorResponse(c: Context, err: AppError): Response {
  const requestId = (c.get('requestId') as string | undefined) ?? 'unknown';
  const res = c.json(errorBody(err.code, requestId, err.message, err.extra), ERROR_STATUS[err.code]);
  for (const [name, value] of Object.entries(err.headers ?? {})) res.headers.set(name, value);
  if (err.code === 'invalid_token') {
    res.headers.set('www-authenticate', 'Bearer realm="fulcrum", error="invalid_token"');
    res.headers.set('cache-control', 'no-store');
  }
  return res;
}
