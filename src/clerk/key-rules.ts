import { isProductionFromSecretKey, parsePublishableKey } from '@clerk/shared/keys';

/**
 * Clerk's key rules: which instance a publishable key names, which mode a secret key belongs to, when
 * the two disagree, and what to do about it. Pure; src/env.ts applies them to the parsed configuration.
 */

/**
 * A Clerk instance as its publishable key names it: the Frontend API host, and test (Development) or live
 * (Production).
 */
export type ClerkInstance = { frontendApi: string; mode: KeyMode };
export type KeyMode = 'test' | 'live';

/** The names these rules speak about (a subset of the configuration's names). */
type KeyName = 'CLERK_PUBLISHABLE_KEY' | 'CLERK_SECRET_KEY';
export type KeyPairProblem = { name: KeyName; issue: 'mismatched'; hint: string };
export type KeyWarning = {
  code: 'live_key_in_development' | 'test_key_in_production';
  names: KeyName[];
  message: string;
};
/** What the rules read: the deployment environment and the two keys (already validated). */
export type KeyFacts = { environment: string; instance: ClerkInstance | undefined; secretKey: string | undefined };

const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * The instance of a publishable key, by Clerk's own parser (`pk_(test|live)_` + base64("<frontend api>$")),
 * or null when it is not one. The host must be a plain DNS name: it is reported by readiness.
 */
export function clerkInstanceOf(publishableKey: string): ClerkInstance | null {
  const parsed = parsePublishableKey(publishableKey);
  if (!parsed || !HOST.test(parsed.frontendApi)) return null;
  return {
    frontendApi: parsed.frontendApi.toLowerCase(),
    mode: parsed.instanceType === 'production' ? 'live' : 'test',
  };
}

/** `sk_live_` keys belong to a Production instance, `sk_test_` to a Development one (Clerk's rule). */
export function secretKeyMode(secretKey: string): KeyMode {
  return isProductionFromSecretKey(secretKey) ? 'live' : 'test';
}

const MODE_WORD = { test: 'test (Development instance)', live: 'live (Production instance)' } as const;

/**
 * `pk_test_` beside `sk_live_` (or the reverse): keys of two Clerk instances, so every sign-in
 * breaks at once. Both variables are named; which one to replace follows ENVIRONMENT.
 */
export function keyPairProblems({ environment, instance, secretKey }: KeyFacts): KeyPairProblem[] {
  if (!instance || secretKey === undefined) return [];
  const skMode = secretKeyMode(secretKey);
  if (skMode === instance.mode) return [];
  const expected: KeyMode | undefined =
    environment === 'production' ? 'live' : environment === 'development' ? 'test' : undefined;
  const replace =
    expected === undefined
      ? 'replace one of them so both come from the same instance'
      : `replace the ${instance.mode === expected ? 'CLERK_SECRET_KEY' : 'CLERK_PUBLISHABLE_KEY'} with the ` +
        `${expected} key of the instance this ${environment} environment uses`;
  const hint =
    `CLERK_PUBLISHABLE_KEY is ${MODE_WORD[instance.mode]} but CLERK_SECRET_KEY ` +
    `is ${MODE_WORD[skMode]}: ${replace}`;
  return [
    { name: 'CLERK_PUBLISHABLE_KEY', issue: 'mismatched', hint },
    { name: 'CLERK_SECRET_KEY', issue: 'mismatched', hint },
  ];
}

/** Allowed but dangerous: live keys in local development (real users' data), test keys in production. */
export function keyWarnings({ environment, instance, secretKey }: KeyFacts): KeyWarning[] {
  const modes: [KeyName, KeyMode][] = [];
  if (instance) modes.push(['CLERK_PUBLISHABLE_KEY', instance.mode]);
  if (secretKey !== undefined) modes.push(['CLERK_SECRET_KEY', secretKeyMode(secretKey)]);
  const named = (mode: KeyMode) => modes.filter(([, m]) => m === mode).map(([name]) => name);
  const live = named('live');
  const test = named('test');
  if (environment === 'development' && live.length > 0) {
    const message =
      `live Clerk key (Production instance) in local development: ${live.join(', ')}. This ` +
      `server then acts on real users; use the Development instance's pk_test_/sk_test_ keys locally.`;
    return [{ code: 'live_key_in_development', names: live, message }];
  }
  if (environment === 'production' && test.length > 0) {
    const message =
      `test Clerk key (Development instance, not meant for production traffic) in production: ` +
      `${test.join(', ')}. Use the Production instance's pk_live_/sk_live_ keys.`;
    return [{ code: 'test_key_in_production', names: test, message }];
  }
  return [];
}

/**
 * What readiness says when Clerk answers the JWKS fetch with 401/403: the secret key is refused
 * (revoked, deleted or from another instance's rotation), so it is CLERK_SECRET_KEY to rotate, not
 * the publishable key, in the dashboard of the instance the publishable key names.
 */
export function secretKeyRefusedAdvice(config: { ENVIRONMENT: string; clerkInstance: ClerkInstance | undefined }): {
  rotate: 'CLERK_SECRET_KEY';
  action: string;
} {
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
