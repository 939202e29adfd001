import { AppError } from '../errors';
import { factory } from '../lib/factory';

/** 403 `forbidden` unless the caller's active organization role is one of `roles` (e.g. `org:admin`). */
export function requireOrgRole(...roles: string[]) {
  return factory.createMiddleware(async (c, next) => {
    const { orgRole } = c.get('auth');
    if (orgRole === null || !roles.includes(orgRole)) throw new AppError('forbidden', { detail: { need: roles, orgRole } });
    await next();
  });
}

/** 403 `forbidden` unless the caller holds `permission` in the active organization (e.g. `org:invoices:read`). */
export function requirePermission(permission: string) {
  return factory.createMiddleware(async (c, next) => {
    if (!c.get('auth').orgPermissions.includes(permission)) throw new AppError('forbidden', { detail: { need: permission } });
    await next();
  });
}

/**
 * 403 `second_factor_required` unless a second factor was verified less than `maxAgeMinutes` ago.
 * `fva` is [minutes since first factor, minutes since second factor], -1 meaning never. Same freshness
 * test as Clerk's reverification (`maxAge > age`, @clerk/shared authorization.ts), but stricter: Clerk's
 * `second_factor` level lets a user without any second factor pass on a fresh first factor; this guard
 * protects admin routes and requires a real second factor.
 */
export function requireSecondFactor(maxAgeMinutes: number) {
  return factory.createMiddleware(async (c, next) => {
    const fva = c.get('auth').factorVerificationAge;
    const secondFactorAge = fva?.[1] ?? -1;
    if (secondFactorAge < 0 || !(maxAgeMinutes > secondFactorAge)) {
      throw new AppError('second_factor_required', { detail: { secondFactorAge, maxAgeMinutes } });
    }
    await next();
  });
}
