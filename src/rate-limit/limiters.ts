import { AppError } from '../errors';
import { clientKey } from './client-key';

/**
 * The Workers Rate Limiting bindings: the one source of their numbers. `Retry-After` is computed from
 * `periodSeconds` (`rateLimited` below); every `[[ratelimits]]` block of wrangler.toml (each environment) must
 * carry the same `simple = { limit, period }` (`limitIn` names an environment whose limit differs), which
 * `npm run check` (scripts/generate-config-docs.ts) verifies. To change a number: change it here and in the
 * wrangler.toml blocks, then run `npm run config:docs`.
 *
 * A binding counts per Cloudflare location (colo) and is eventually consistent: a "global" budget (one constant
 * key, `GLOBAL_KEY`) holds per colo, not across the network. Windows are fixed, so a client may pass up to twice
 * a limit within one sliding period (the end of one window and the start of the next).
 */
export const LIMITERS = {
  AUTH_FAILURE_LIMITER: {
    limit: 100,
    periodSeconds: 60,
    meaning: 'refused credentials per client (IPv4 address, IPv6 /64; webhooks under `webhook:<client>`)',
  },
  AUTH_FAILURE_GLOBAL_LIMITER: {
    limit: 1000,
    periodSeconds: 60,
    meaning: 'refused credentials of all clients together (one key): past it a refusal is 429, a good one passes',
  },
  MACHINE_VERIFY_LIMITER: {
    limit: 20,
    periodSeconds: 10,
    meaning: "Backend API verifications per client (opaque machine tokens not in this isolate's cache)",
  },
  /**
   * Half of Clerk's Backend API quota for a Production instance (1,000 requests per 10 s per application
   * instance; a Development instance, used by staging and local development, has 100), which the reconcile
   * cron shares. Past it an uncached opaque token is 503 `auth_unavailable`.
   */
  MACHINE_VERIFY_GLOBAL_LIMITER: {
    limit: 500,
    limitIn: { development: 50, staging: 50 },
    periodSeconds: 10,
    meaning: "Backend API verifications of all clients together (one key): half of the Clerk instance's quota",
  },
  GATEWAY_LIMITER: {
    limit: 600,
    periodSeconds: 60,
    meaning: 'requests per principal on gateway routes (the user, machine or organization, any token type)',
  },
  GATEWAY_ANONYMOUS_LIMITER: {
    limit: 600,
    periodSeconds: 60,
    meaning: 'anonymous requests on `auth: "none"`/`"optional"` gateway routes, per client',
  },
} as const;
/** The key of a global budget: one counter for every client (per colo). */
export const GLOBAL_KEY = 'global';
export type LimiterName = keyof typeof LIMITERS;
export const LIMITER_NAMES = Object.keys(LIMITERS) as LimiterName[];

/** 429 `rate_limited` with `Retry-After` (the limiter's period: the binding tells no reset time). */
export function rateLimited(
  name: LimiterName,
  retryAfterSeconds: number = LIMITERS[name].periodSeconds,
  detail: Record<string, unknown> = {},
): AppError {
  return new AppError('rate_limited', {
    detail: { limiter: name, ...detail },
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))), 'cache-control': 'no-store' },
  });
}

/**
 * The client's IP: `cf-connecting-ip`, which Cloudflare sets on every request (overwriting a
 * client-sent one). Without it (only locally: tests, some `wrangler dev` setups) every request
 * shares one bucket: a fallback a client could choose (x-forwarded-for) would let it pick fresh buckets.
 */
export function clientIp(c: { req: { header(name: string): string | undefined } }): string {
  const ip = c.req.header('cf-connecting-ip');
  return ip && ip.length <= 64 ? ip : 'unknown';
}

/** The request's per-client limiter key: its IPv4 address, or its IPv6 address's /64 (`clientKey`). */
export function clientLimiterKey(c: { req: { header(name: string): string | undefined } }): string {
  return clientKey(clientIp(c));
}

/**
 * The principal behind a verified credential, for per-caller limits: the user (a session, a user's API key, an
 * OAuth token granted by the user), else the machine (M2M), else the organization (an organization's API key).
 * Any token type of one caller shares one key (`user:user_…`), so switching token types buys no budget.
 */
export function principalKey(auth: {
  userId: string | null;
  machineId: string | null;
  orgId: string | null;
  subject: string;
}): string {
  if (auth.userId) return `user:${auth.userId}`;
  if (auth.machineId) return `machine:${auth.machineId}`;
  if (auth.orgId) return `org:${auth.orgId}`;
  return `subject:${auth.subject}`;
}
