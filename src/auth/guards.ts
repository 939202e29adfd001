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
 * 403 `second_factor_required` unless a second factor was verified within `maxAgeMinutes`.
 * `fva` is [minutes since first factor, minutes since second factor], -1 meaning never
 * (Clerk's reverification: `has({ reverification })` reads the same claim).
 */
export function requireSecondFactor(maxAgeMinutes: number) {
  return factory.createMiddleware(async (c, next) => {
    const fva = c.get('auth').factorVerificationAge;
    const secondFactorAge = fva?.[1] ?? -1;
    if (secondFactorAge < 0 || secondFactorAge > maxAgeMinutes) {
      throw new AppError('second_factor_required', { detail: { secondFactorAge, maxAgeMinutes } });
    }
    await next();
  });
}
