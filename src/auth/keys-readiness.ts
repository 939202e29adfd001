import type { Context } from 'hono';
import { secretKeyRefusedAdvice } from '../clerk/key-rules';
import type { AppEnv } from '../env';
import type { ReadinessCheck } from '../health/health-routes';
import { assertKeyConfig } from './authenticate';
import { KeysUnavailableError } from './key-cache';

/** Readiness of the key set: where it came from, its age, the last refresh error, stale serving. */
export const keysCheck: ReadinessCheck = {
  name: 'keys',
  run: async (c: Context<AppEnv>) => {
    try {
      assertKeyConfig(c);
    } catch {
      return { status: 'fail', error: 'misconfigured' };
    }
    const { verifiers, now } = c.var.services;
    const config = c.var.config;
    const verifier = verifiers.for(config);
    const cache = verifier.keyCache;
    const advice = (kind: string | undefined) => (kind === 'secret_key_invalid' ? secretKeyRefusedAdvice(config) : {});
    try {
      const { keys, source, fetchedAt } = await verifier.keys(c.env.JWKS_CACHE);
      const servingStale = cache?.servingStale ?? false;
      return {
        // Degraded, not failed: cached keys still verify while Clerk is failing or the secret key is wrong.
        status: servingStale || cache?.lastError ? 'degraded' : 'ok',
        source,
        keyCount: keys.length,
        ageSeconds: fetchedAt === null ? null : Math.max(0, Math.round((now() - fetchedAt) / 1000)),
        lastRefreshError: cache?.lastError?.kind ?? null,
        servingStale,
        ...advice(cache?.lastError?.kind),
      };
    } catch (error) {
      if (!(error instanceof KeysUnavailableError)) throw error;
      const kind = cache?.lastError?.kind ?? error.kind;
      return { status: 'fail', source: null, lastRefreshError: kind, servingStale: false, ...advice(kind) };
    }
  },
};
