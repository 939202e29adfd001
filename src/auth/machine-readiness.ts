import type { Context } from 'hono';
import type { AppEnv } from '../env';
import type { ReadinessCheck } from '../health/health-routes';

/**
 * Readiness of opaque machine-token verification: the last Backend API failure this isolate saw
 * (`secret_key_invalid` when Clerk answered 401/403, `clerk_unreachable`), and the cache's size.
 * Degraded, not failed: sessions and JWT machine tokens verify locally, cached opaque ones too.
 */
export const machineTokensCheck: ReadinessCheck = {
  name: 'machineTokens',
  run: async (c: Context<AppEnv>) => {
    const { machineVerifiers, now } = c.var.services;
    const verifier = machineVerifiers.for(c.get('config'));
    const lastError = verifier.lastError;
    return {
      status: lastError ? 'degraded' : 'ok',
      lastVerifyError: lastError?.kind ?? null,
      ...(lastError ? { lastVerifyErrorAgeSeconds: Math.max(0, Math.round((now() - lastError.at) / 1000)) } : {}),
      cached: verifier.cache.size.positive,
    };
  },
};
