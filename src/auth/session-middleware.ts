import { factory } from '../lib/factory';
import { authenticate } from './authenticate';

export { AUTH_RETRY_AFTER_SECONDS, assertKeyConfig, rethrowKeyError } from './authenticate';

/** Session authentication for `/v1/*`: `authenticate()` with session tokens; sets `c.var.auth`. */
export const sessionAuth = factory.createMiddleware(async (c, next) => {
  const auth = await authenticate(c, { accept: ['session_token'] });
  if (auth) c.set('auth', auth);
  await next();
});
