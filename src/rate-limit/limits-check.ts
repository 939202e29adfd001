import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { LIMITER_NAMES } from './limiters';

/**
 * Readiness of the limiter bindings: a missing one is `degraded` (requests pass unlimited); so is a global
 * budget this isolate found spent within its period (`spent`: uncached machine tokens are refused).
 */
export const limitsCheck = {
  name: 'limits',
  run: async (c: Context<AppEnv>) => {
    const missing = LIMITER_NAMES.filter(
      (n) => typeof (c.env as unknown as Record<string, { limit?: unknown } | undefined>)[n]?.limit !== 'function',
    );
    const spent = c.var.services.rateLimits.spentBudgets();
    const degraded = missing.length > 0 || spent.length > 0;
    return { status: degraded ? ('degraded' as const) : ('ok' as const), missing, spent };
  },
};
