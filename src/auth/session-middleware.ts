import { factory } from '../http/factory';
import { isRevoked } from '../revocation/revocation-check';
import { authenticate, refuse } from './authenticate';
import { TOKEN_TYPES } from './token-type';

/** Session authentication for `/v1/*`: `authenticate()` with session tokens; sets `c.var.auth`. */
export const sessionAuth = factory.createMiddleware(async function sessionAuth(c, next) {
  const auth = await authenticate(c, { accept: ['session_token'] });
  if (auth) c.set('auth', auth);
  await next();
});

/** Every token type (`GET /v1/me`): sessions, API keys, M2M and OAuth tokens; sets `c.var.auth`. */
export const anyTokenAuth = factory.createMiddleware(async function anyTokenAuth(c, next) {
  const auth = await authenticate(c, { accept: TOKEN_TYPES });
  if (auth) c.set('auth', auth);
  await next();
});

/**
 * The request-time revocation check for routes already authenticated (`/v1/admin/*`): the caller's session
 * is looked up in the `REVOCATIONS` object itself, not this isolate's snapshot; 401 when revoked, 503
 * `auth_unavailable` when the object cannot answer. Machine callers have no session to look up.
 */
export const strictRevocation = factory.createMiddleware(async function strictRevocation(c, next) {
  const auth = c.get('auth');
  const carrier = c.req.header('authorization') === undefined ? 'cookie' : 'header';
  if (await isRevoked(c, auth, 'strict')) refuse(c, 'revoked', carrier);
  await next();
});
