import { AppError } from '../errors';

/** The Workers Rate Limiting bindings (`[[ratelimits]]` in wrangler.toml) and their defaults there. */
export const LIMITERS = {
  /** Refused credentials per client IP (bad tokens, bad webhook signatures under `webhook:<ip>`). */
  AUTH_FAILURE_LIMITER: { limit: 100, periodSeconds: 60 },
  /** Backend API verifications (opaque machine tokens not cached) per client IP. */
  MACHINE_VERIFY_LIMITER: { limit: 20, periodSeconds: 10 },
  /** Requests per authenticated subject on gateway routes. */
  GATEWAY_LIMITER: { limit: 600, periodSeconds: 60 },
} as const;
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
