import { secretKeyMode } from '../clerk/key-rules';
import type { Config } from '../env';
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
