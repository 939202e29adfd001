import type { Context, ErrorHandler, Hono, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../env';
import { AppError, errorResponse } from '../errors';
import { log } from '../lib/log';
import { allowedMethods } from './method-not-allowed';

/**
 * The one error path (`app.onError`, set once by `createBaseApp`): an `AppError` becomes its envelope (its
 * log-only `detail` logged), Hono's own 4xx `HTTPException`s a matching envelope, anything else a logged
 * 500 `internal` with no detail on the wire.
 */
export const handleError: ErrorHandler<AppEnv> = function handleError(err, c: Context<AppEnv>) {
  if (err instanceof AppError) {
    if (err.detail)
      log(err.code === 'internal' ? 'error' : 'warn', `error.${err.code}`, {
        requestId: c.get('requestId'),
        ...err.detail,
      });
    return errorResponse(c, err);
  }
  // Hono's own HTTP errors (e.g. a malformed body it parsed) carry a status but no envelope.
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    const status = err.status;
    log('warn', 'error.http', { requestId: c.get('requestId'), status, error: err });
    return errorResponse(
      c,
      new AppError(status === 413 ? 'payload_too_large' : status === 404 ? 'not_found' : 'invalid_request'),
    );
  }
  log('error', 'error.unhandled', {
    requestId: c.get('requestId'),
    error: err,
    stack: err instanceof Error ? err.stack : undefined,
  });
  return errorResponse(c, new AppError('internal'));
};

/**
 * `app.notFound` for `app`: 405 with `Allow` when the path exists for other methods (asked of the app's own
 * router when the request comes, so routes added after this call count), else 404 `not_found`.
 */
export function handleNotFound(app: Hono<any, any, any>): NotFoundHandler<AppEnv> {
  const allowed = allowedMethods(app);
  return function handleNotFound(c) {
    const methods = allowed(c.req.path);
    if (methods.length === 0) return errorResponse(c, new AppError('not_found'));
    if (methods.includes('GET')) methods.push('HEAD');
    return errorResponse(c, new AppError('method_not_allowed', { headers: { allow: methods.join(', ') } }));
  };
}
