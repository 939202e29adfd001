import { hasFreshSecondFactor } from '../auth/guards';
import type { AuthContext } from '../auth/types';
import { AppError } from '../errors';
import { factory } from '../http/factory';

/**
 * Clerk's strict reverification window is 10 minutes (`reverification: 'strict'`), the
 * runbook's "2FA for admin users" uses it for every admin operation.
 */
export const ADMIN_SECOND_FACTOR_MAX_AGE_MINUTES = 10;

export type AdminDecision = 'ok' | 'forbidden' | 'second_factor_required';

/**
 * Pure admin check: `ADMIN_USER_IDS` membership, then the one second-factor rule
 * (`hasFreshSecondFactor`, auth/guards.ts). Membership comes first so a non-admin learns
 * nothing about the second-factor rule.
 */
export function decideAdmin(
  auth: Pick<AuthContext, 'userId' | 'factorVerificationAge'> | undefined,
  adminIds: readonly string[],
  maxAgeMinutes: number,
): AdminDecision {
  if (!auth || auth.userId === null || !adminIds.includes(auth.userId)) return 'forbidden';
  return hasFreshSecondFactor(auth.factorVerificationAge, maxAgeMinutes) ? 'ok' : 'second_factor_required';
}

/** Middleware for `/v1/admin/*`: `ADMIN_USER_IDS` membership and a recent second factor, else 403. */
export function requireAdmin(maxAgeMinutes: number = ADMIN_SECOND_FACTOR_MAX_AGE_MINUTES) {
  return factory.createMiddleware(async function requireAdmin(c, next) {
    const auth = c.get('auth') as AuthContext | undefined;
    const decision = decideAdmin(auth, c.var.config.ADMIN_USER_IDS, maxAgeMinutes);
    if (decision !== 'ok') {
      throw new AppError(decision, {
        detail: { userId: auth?.userId ?? null, fva: auth?.factorVerificationAge ?? null },
      });
    }
    await next();
  });
}
