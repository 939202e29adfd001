import { type Config, secretKeyMode } from '../env';
import type { CheckResult, ReadinessCheck } from './health-routes';

/**
 * The Clerk instance this Worker serves, as `/health/ready` reports it: the environment, the
 * publishable key's Frontend API host and mode, the secret key's mode (never a key), and what
 * is wrong. `fail` when the keys come from a test and a live instance (every sign-in would
 * break), `degraded` for an allowed but dangerous mix (a live key in local development).
 */
function clerkReadiness(config: Config): CheckResult {
  const mismatched = config.problems.filter((p) => p.issue === 'mismatched');
  const instance = config.clerkInstance ?? null;
  const base = {
    environment: config.ENVIRONMENT,
    instance,
    secretKeyMode: config.CLERK_SECRET_KEY === undefined ? null : secretKeyMode(config.CLERK_SECRET_KEY),
    warnings: config.warnings.map(({ code, names, message }) => ({ code, names, message })),
  };
  if (mismatched.length > 0) {
    return {
      status: 'fail',
      error: 'keys_mismatched',
      names: mismatched.map((p) => p.name),
      message: mismatched[0]?.hint,
      ...base,
    };
  }
  // Missing or malformed: `checks.config` says which.
  if (!instance) return { status: 'fail', error: 'publishable_key_unusable', ...base };
  return { status: config.warnings.length > 0 ? 'degraded' : 'ok', ...base };
}

export const clerkCheck: ReadinessCheck = { name: 'clerk', run: async (c) => clerkReadiness(c.get('config')) };

/**
 * What readiness says when Clerk answers the JWKS fetch with 401/403: the secret key is refused
 * (revoked, deleted or from another instance's rotation), so it is CLERK_SECRET_KEY to rotate, not
 * the publishable key, in the dashboard of the instance the publishable key names.
 */
export function secretKeyRefusedAdvice(config: Config): { rotate: 'CLERK_SECRET_KEY'; action: string } {
  const where = config.clerkInstance
    ? `the Clerk dashboard of ${config.clerkInstance.frontendApi} (${config.clerkInstance.mode} instance)`
    : "the Clerk dashboard of this environment's instance";
  const put =
    config.ENVIRONMENT === 'development'
      ? 'put it in .dev.vars'
      : `npx wrangler secret put CLERK_SECRET_KEY --env ${config.ENVIRONMENT}`;
  return {
    rotate: 'CLERK_SECRET_KEY',
    action:
      `Clerk refused CLERK_SECRET_KEY (401/403 on GET /v1/jwks). Rotate CLERK_SECRET_KEY ` +
      `(CLERK_PUBLISHABLE_KEY stays): in ${where} → API keys, add a new secret key, then ${put}; ` +
      `delete the old key once readiness shows lastRefreshError: null.`,
  };
}
