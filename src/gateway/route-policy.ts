import { hasAnyPlan, missingFeatures } from '../auth/billing-rules';
import { hasFreshSecondFactor } from '../auth/guards';
import { hasActiveOrg, hasOrgRole, missingOrgPermissions } from '../auth/org-rules';
import type { AuthContext } from '../auth/types';
import { AppError } from '../errors';
import type { GatewayRoute } from './route-table';

/**
 * The route's identity rules, in the order a caller can fix them: an active organization, one of
 * the roles, every permission (Clerk's `has()` rules, src/auth/org-rules.ts: a non-empty organization id), every
 * feature and one of the plans (Clerk Billing, src/auth/billing-rules.ts), then a second factor verified less than
 * `secondFactorMinutes` ago
 * (the one second-factor rule, `hasFreshSecondFactor`, as the admin guard).
 */
export function checkRoutePolicy(route: GatewayRoute, auth: AuthContext): void {
  if (route.org && !hasActiveOrg(auth))
    throw new AppError('forbidden', { detail: { rule: 'org', prefix: route.prefix } });
  if (route.roles.length > 0 && !hasOrgRole(auth, route.roles)) {
    throw new AppError('forbidden', {
      detail: { rule: 'roles', prefix: route.prefix, need: route.roles, orgRole: auth.orgRole },
    });
  }
  const missing = missingOrgPermissions(auth, route.permissions);
  if (missing.length > 0)
    throw new AppError('forbidden', { detail: { rule: 'permissions', prefix: route.prefix, missing } });
  const unentitled = missingFeatures(auth, route.features);
  if (unentitled.length > 0)
    throw new AppError('forbidden', { detail: { rule: 'features', prefix: route.prefix, missing: unentitled } });
  if (!hasAnyPlan(auth, route.plans))
    throw new AppError('forbidden', { detail: { rule: 'plans', prefix: route.prefix, need: route.plans } });
  const fva = auth.factorVerificationAge;
  if (route.secondFactorMinutes !== undefined && !hasFreshSecondFactor(fva, route.secondFactorMinutes)) {
    throw new AppError('second_factor_required', { detail: { prefix: route.prefix, secondFactorAge: fva?.[1] ?? -1 } });
  }
}
