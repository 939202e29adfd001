import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { LIMITER_NAMES } from './limiters';

/** Readiness of the limiter bindings: a missing one is `degraded` (requests pass unlimited). */
export const limitsCheck = {
  name: 'limits',
  run: async (c: Context<AppEnv>) => {
    const missing = LIMITER_NAMES.filter(
      (n) => typeof (c.env as unknown as Record<string, { limit?: unknown } | undefined>)[n]?.limit !== 'function',
    );
    return { status: missing.length > 0 ? ('degraded' as const) : ('ok' as const), missing };
  },
};
