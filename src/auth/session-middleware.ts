import { factory } from '../http/factory';
import { authenticate } from './authenticate';
import { TOKEN_TYPES } from './token-type';

/** Session authentication for `/v1/*`: `authenticate()` with session tokens; sets `c.var.auth`. */
export const sessionAuth = factory.createMiddleware(async (c, next) => {
  const auth = await authenticate(c, { accept: ['session_token'] });
  if (auth) c.set('auth', auth);
  await next();
});

/** Every token type (`GET /v1/me`): sessions, API keys, M2M and OAuth tokens; sets `c.var.auth`. */
export const anyTokenAuth = factory.createMiddleware(async (c, next) => {
  const auth = await authenticate(c, { accept: TOKEN_TYPES });
  if (auth) c.set('auth', auth);
  await next();
});
