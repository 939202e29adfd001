import { AppError } from '../errors';
import type { Logger } from '../lib/log';
import { GLOBAL_KEY, LIMITERS, type LimiterName, rateLimited } from './limiters';

type RateLimitBinding = { limit(options: { key: string }): Promise<{ success: boolean }> };

/**
 * Keys that went over a counting limiter, remembered in this isolate until the period ends, so
 * their next requests are refused before any verification work (the binding can only count, not
 * peek). Bounded: a flood of distinct IPs only evicts the oldest (which the limiter still counts).
 */
export class PenaltyBox {
  private readonly until = new Map<string, number>();
  constructor(private readonly maxEntries = 10_000) {}

  /** Seconds left in `key`'s penalty, or 0. */
  remaining(key: string, now: number): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    if (until <= now) {
      this.until.delete(key);
      return 0;
    }
    return (until - now) / 1000;
  }

  add(key: string, now: number, seconds: number): void {
    this.until.delete(key);
    if (this.until.size >= this.maxEntries) {
      const oldest = this.until.keys().next().value;
      if (oldest !== undefined) this.until.delete(oldest);
    }
    this.until.set(key, now + seconds * 1000);
  }
}

/**
 * The isolate's rate-limit state (`services.rateLimits`, built by the composition root): the
 * auth-failure penalty box and which limiter bindings were found missing (said once per isolate).
 * Its clock and logger are the services' own.
 */
export class RateLimits {
  /** Client IPs (and `webhook:<ip>` keys) over AUTH_FAILURE_LIMITER: refused before any work for their period. */
  readonly failedCredentials: PenaltyBox;
  private readonly reported = new Set<LimiterName>();
  /** When this isolate last found each global budget spent (ms), for readiness and a once-per-period log. */
  private readonly spentAt = new Map<LimiterName, number>();
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(deps: { now: () => number; log: Logger }) {
    this.now = deps.now;
    this.log = deps.log;
    this.failedCredentials = new PenaltyBox();
  }

  /**
   * Counts one event for `key` against the limiter; false once the key is over its limit. An absent
   * binding or a failing one counts as "under" (logged; readiness reports the binding `degraded`).
   */
  async under(env: object, name: LimiterName, key: string): Promise<boolean> {
    const binding = this.bindingOf(env, name);
    if (!binding) return true;
    try {
      return (await binding.limit({ key })).success;
    } catch (error) {
      this.log('error', 'ratelimit.failed', { binding: name, error });
      return true;
    }
  }

  /** Counts one event and throws 429 when `key` is over `name`'s limit (e.g. the gateway, per subject). */
  async enforce(env: object, name: LimiterName, key: string, detail: Record<string, unknown> = {}): Promise<void> {
    if (!(await this.under(env, name, key))) throw rateLimited(name, undefined, detail);
  }

  /** 429 before any verification work while `key` (a client IP, or `webhook:<ip>`) serves an auth-failure penalty. */
  assertNotPenalised(key: string): void {
    const left = this.failedCredentials.remaining(key, this.now());
    if (left > 0) throw rateLimited('AUTH_FAILURE_LIMITER', left, { key });
  }

  /**
   * Counts a refused credential for `key` (a client, or `webhook:<client>`), then against the global
   * budget. Over AUTH_FAILURE_LIMITER the key is penalised for the limiter's period and this refusal
   * becomes 429; over AUTH_FAILURE_GLOBAL_LIMITER this refusal becomes 429 (no one is penalised: a good
   * credential still passes).
   */
  async countFailure(env: object, key: string): Promise<void> {
    if (!(await this.under(env, 'AUTH_FAILURE_LIMITER', key))) {
      this.failedCredentials.add(key, this.now(), LIMITERS.AUTH_FAILURE_LIMITER.periodSeconds);
      throw rateLimited('AUTH_FAILURE_LIMITER', undefined, { key });
    }
    if (!(await this.underGlobal(env, 'AUTH_FAILURE_GLOBAL_LIMITER')))
      throw rateLimited('AUTH_FAILURE_GLOBAL_LIMITER', undefined, { key });
  }

  /**
   * Spends one Backend API verification for client `key`: 429 over the client's MACHINE_VERIFY_LIMITER,
   * 503 `auth_unavailable` over the global MACHINE_VERIFY_GLOBAL_LIMITER (the client did nothing wrong).
   * Called only when a call would be made: a cached or joined verification spends nothing.
   */
  async spendVerification(env: object, key: string): Promise<void> {
    if (!(await this.under(env, 'MACHINE_VERIFY_LIMITER', key)))
      throw rateLimited('MACHINE_VERIFY_LIMITER', undefined, { key });
    if (!(await this.underGlobal(env, 'MACHINE_VERIFY_GLOBAL_LIMITER'))) {
      const retryAfter = LIMITERS.MACHINE_VERIFY_GLOBAL_LIMITER.periodSeconds;
      throw new AppError('auth_unavailable', {
        detail: { kind: 'verify_budget_spent', limiter: 'MACHINE_VERIFY_GLOBAL_LIMITER', key },
        headers: { 'retry-after': String(retryAfter), 'cache-control': 'no-store' },
      });
    }
  }

  /** Counts one event against a global budget (one key for all clients); false once spent (remembered, logged). */
  async underGlobal(env: object, name: LimiterName): Promise<boolean> {
    if (await this.under(env, name, GLOBAL_KEY)) return true;
    const now = this.now();
    const last = this.spentAt.get(name);
    if (last === undefined || now - last >= LIMITERS[name].periodSeconds * 1000)
      this.log('warn', 'ratelimit.budget_spent', { binding: name });
    this.spentAt.set(name, now);
    return false;
  }

  /** The global budgets this isolate found spent within their last period (readiness). */
  spentBudgets(): LimiterName[] {
    const now = this.now();
    return [...this.spentAt]
      .filter(([name, at]) => now - at < LIMITERS[name].periodSeconds * 1000)
      .map(([name]) => name);
  }

  private bindingOf(env: object, name: LimiterName): RateLimitBinding | undefined {
    const binding = (env as Record<string, unknown>)[name] as RateLimitBinding | undefined;
    if (binding && typeof binding.limit === 'function') return binding;
    // Fail open (refusing every request would be worse than no limit), but say so once per isolate.
    if (!this.reported.has(name)) {
      this.reported.add(name);
      this.log('error', 'ratelimit.binding_missing', { binding: name });
    }
    return undefined;
  }
}
