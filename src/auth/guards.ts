import { AppError } from '../errors';
import { factory } from '../http/factory';
import { hasOrgRole, missingOrgPermissions } from './org-rules';

/** 403 `forbidden` unless the caller's active organization role is one of `roles` (e.g. `org:admin`; org-rules.ts). */
export function requireOrgRole(...roles: string[]) {
  return factory.createMiddleware(async function requireOrgRole(c, next) {
    const auth = c.get('auth');
    const { orgRole } = auth;
    if (!hasOrgRole(auth, roles)) throw new AppError('forbidden', { detail: { need: roles, orgRole } });
    await next();
  });
}

/** 403 `forbidden` unless the caller holds `permission` in the active organization (e.g. `org:invoices:read`). */
export function requirePermission(permission: string) {
  return factory.createMiddleware(async function requirePermission(c, next) {
    if (missingOrgPermissions(c.get('auth'), [permission]).length > 0)
      throw new AppError('forbidden', { detail: { need: permission } });
    await next();
  });
}

/**
 * THE second-factor rule: was a second factor verified less than `maxAgeMinutes` ago? `fva` is
 * Clerk's session claim [minutes since first factor, minutes since second factor], -1 meaning never;
 * an absent claim counts as never. Same freshness test as Clerk's reverification (`maxAge > age`,
 * @clerk/shared authorization.ts), but stricter: Clerk's `second_factor` level lets a user without
 * any second factor pass on a fresh first factor; this rule requires a real second factor.
 */
export function hasFreshSecondFactor(
  fva: readonly [number, number] | null | undefined,
  maxAgeMinutes: number,
): boolean {
  const secondFactorAge = fva?.[1];
  return (
    typeof secondFactorAge === 'number' &&
    Number.isFinite(secondFactorAge) &&
    secondFactorAge >= 0 &&
    maxAgeMinutes > secondFactorAge
  );
}

/** 403 `second_factor_required` unless `hasFreshSecondFactor`. */
export function requireSecondFactor(maxAgeMinutes: number) {
  return factory.createMiddleware(async function requireSecondFactor(c, next) {
    const fva = c.get('auth').factorVerificationAge;
    if (!hasFreshSecondFactor(fva, maxAgeMinutes)) {
      throw new AppError('second_factor_required', { detail: { secondFactorAge: fva?.[1] ?? -1, maxAgeMinutes } });
    }
    await next();
  });
}
