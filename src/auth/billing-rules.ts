import { createCheckAuthorization } from '@clerk/shared/authorization';
import type { AuthContext } from './types';

/**
 * THE billing rules (Clerk Billing), with Clerk's own code: `has({ feature })` / `has({ plan })` from
 * @clerk/shared's `createCheckAuthorization`, over the session token's v2 claims `fea` and `pla`
 * (e.g. `"o:dashboard,u:beta"`; scope `o` = the active organization's, `u` = the user's, `uo`/`ou` = both).
 * A name with a scope (`o:dashboard`) looks only there; a bare name (`dashboard`) in either. Machine tokens
 * carry neither claim, so they hold no feature or plan. A malformed `fea`/`pla` never reaches here: the
 * session token is refused first (`bad_claims`, as Clerk signs it out).
 */
type Entitled = Pick<AuthContext, 'userId' | 'claims'>;

/** Scopes Clerk's `has()` accepts in a feature or plan name (an unknown one is a configuration error). */
const SCOPES = new Set(['u', 'user', 'o', 'org', 'organization']);

/** True when `name` is a feature/plan name Clerk's `has()` can answer (`id` or `scope:id` with a known scope). */
export function isEntitlementName(name: string): boolean {
  const parts = name.split(':');
  if (parts.length === 1) return name !== '';
  return parts.length === 2 && SCOPES.has(parts[0] as string) && parts[1] !== '';
}

function checker(auth: Entitled) {
  const { fea, pla } = auth.claims;
  return createCheckAuthorization({
    userId: auth.userId,
    features: typeof fea === 'string' ? fea : undefined,
    plans: typeof pla === 'string' ? pla : undefined,
  } as Parameters<typeof createCheckAuthorization>[0]);
}

type Has = ReturnType<typeof createCheckAuthorization>;
type HasParams = Parameters<Has>[0];

/** The features of `features` the caller is not entitled to (every one must be held). */
export function missingFeatures(auth: Entitled, features: readonly string[]): string[] {
  if (features.length === 0) return [];
  const has = checker(auth);
  return features.filter((feature) => !has({ feature } as HasParams));
}

/** True when the caller is on one of `plans` (a subscriber has one plan per scope: any listed one will do). */
export function hasAnyPlan(auth: Entitled, plans: readonly string[]): boolean {
  if (plans.length === 0) return true;
  const has = checker(auth);
  return plans.some((plan) => has({ plan } as HasParams));
}
