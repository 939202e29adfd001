import { hasFreshSecondFactor } from '../auth/guards';
import type { AuthContext } from '../auth/types';
import { AppError } from '../errors';
import type { GatewayRoute } from './route-table';

/**
 * The route's identity rules, in the order a caller can fix them: an active organization, one of
 * the roles, every permission, then a second factor verified less than `secondFactorMinutes` ago
 * (the one second-factor rule, `hasFreshSecondFactor`, as the admin guard).
 */
export function checkRoutePolicy(route: GatewayRoute, auth: AuthContext): void {
  if (route.org && auth.orgId === null)
    throw new AppError('forbidden', { detail: { rule: 'org', prefix: route.prefix } });
  if (route.roles.length > 0 && (auth.orgRole === null || !route.roles.includes(auth.orgRole))) {
    throw new AppError('forbidden', {
      detail: { rule: 'roles', prefix: route.prefix, need: route.roles, orgRole: auth.orgRole },
    });
  }
  const missing = route.permissions.filter((p) => !auth.orgPermissions.includes(p));
  if (missing.length > 0)
    throw new AppError('forbidden', { detail: { rule: 'permissions', prefix: route.prefix, missing } });
  const fva = auth.factorVerificationAge;
  if (route.secondFactorMinutes !== undefined && !hasFreshSecondFactor(fva, route.secondFactorMinutes)) {
    throw new AppError('second_factor_required', { detail: { prefix: route.prefix, secondFactorAge: fva?.[1] ?? -1 } });
  }
}
