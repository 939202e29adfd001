import type { MiddlewareHandler } from 'hono';
import { MachineVerifierRegistry } from '../auth/machine-verifier';
import { VerifierRegistry } from '../auth/verifier';
import type { AppEnv } from '../env';
import { GatewayState } from '../gateway/gateway-state';
import { CursorCodec } from '../lib/cursor';
import { log as defaultLog, type Logger } from '../lib/log';
import { MetricsRecorder } from '../metrics/recorder';
import { RateLimits } from '../rate-limit/rate-limits';
import { type CacheLike, RevocationState } from '../revocation/revocation-state';
import { TenantCache } from '../tenants/tenant-cache';
import { createReplay, type ReplayFn } from '../webhooks/replay';
import { SvixVerifiers } from '../webhooks/verify-webhook';
import { ConfigCache } from './config-cache';
import { TestClock } from './test-clock';

/** What the environment gives the service; everything defaults to the real thing. */
export type ServicesOptions = {
  /** The clock (ms since the epoch): token expiry, cache expiry, webhook and cron times. */
  now?: () => number;
  /** Outbound HTTP (Clerk's Backend API only). */
  fetch?: typeof fetch;
  log?: Logger;
  /** The colo's cache for revocation snapshots; default `caches.default` (tests give a counted stub). */
  revocationCache?: () => CacheLike | undefined;
};

/**
 * All per-isolate state, built once by the composition root (`src/index.ts`) and handed to the
 * fetch app and the cron alike. A new `createServices()` is a cold isolate: empty caches, no
 * verifier, no imported keys. Cross-module effects are callbacks wired here, never imports of
 * another module's state (a webhook or reconciliation that changes a tenant drops its cached row).
 */
export type Services = {
  /** The clock: `options.now` (default Date.now) plus the test clock's shift (0 outside the drill). */
  readonly now: () => number;
  /** Moved only by `POST /__test/clock`, which exists only in development with TEST_CLOCK_TOKEN set. */
  readonly testClock: TestClock;
  readonly fetch: typeof fetch;
  readonly log: Logger;
  /** The parsed configuration of each `env` (once per isolate; its warnings logged once). */
  readonly configs: ConfigCache;
  /** Session-token verifiers, one per Clerk configuration (key cache, verified-token cache). */
  readonly verifiers: VerifierRegistry;
  /** Machine-token verifiers, one per configuration (opaque-token cache, single-flight, last error). */
  readonly machineVerifiers: MachineVerifierRegistry;
  /** Tenant rows by id (the hot path's "is the caller archived?" without D1). */
  readonly tenantCache: TenantCache;
  /** HMAC keys of signed pagination cursors. */
  readonly cursors: CursorCodec;
  /** svix `Webhook` instances by signing secret. */
  readonly webhookVerifiers: SvixVerifiers;
  /** The auth-failure penalty box and the missing-limiter log (once per isolate). */
  readonly rateLimits: RateLimits;
  /** This isolate's copy of the revocation deny set, refreshed in the background (src/revocation/). */
  readonly revocations: RevocationState;
  /** The gateway's parsed route tables and imported signing keys. */
  readonly gateway: GatewayState;
  /** Tenants changed by a webhook or by reconciliation: this isolate's cached copies are dropped. */
  readonly onTenantsChanged: (ids: readonly string[]) => void;
  /** Re-applies a stored webhook event (admin replay, scheduled retry). */
  readonly replay: ReplayFn;
  /** One data point per authenticated or refused request (Analytics Engine; the buffer in development). */
  readonly metrics: MetricsRecorder;
};

export function createServices(options: ServicesOptions = {}): Services {
  // Late-bound defaults: a test's spy on Date.now or globalThis.fetch reaches a running app.
  const testClock = new TestClock(options.now ?? (() => Date.now()));
  const now = testClock.now;
  const fetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const log = options.log ?? defaultLog;
  const tenantCache = new TenantCache();
  const onTenantsChanged = (ids: readonly string[]) => {
    for (const id of ids) tenantCache.delete(id);
  };
  return {
    now,
    testClock,
    fetch,
    log,
    configs: new ConfigCache(log),
    verifiers: new VerifierRegistry({ now, fetch, log }),
    machineVerifiers: new MachineVerifierRegistry({ now, fetch }),
    tenantCache,
    cursors: new CursorCodec(),
    webhookVerifiers: new SvixVerifiers(),
    rateLimits: new RateLimits({ now, log }),
    revocations: new RevocationState({ now, log, cache: options.revocationCache }),
    gateway: new GatewayState(now),
    onTenantsChanged,
    replay: createReplay({ onTenantsChanged }),
    metrics: new MetricsRecorder({ now, onError: (error) => log('error', 'metrics.write_failed', { error }) }),
  };
}

/** Sets `c.var.services` (first middleware of `createApp`; also for apps composed by hand, e.g. benches). */
export function withServices(services: Services): MiddlewareHandler<AppEnv> {
  return async function withServices(c, next) {
    c.set('services', services);
    await next();
  };
}

declare module '../env' {
  interface Variables {
    /** The isolate's services (set first by `createApp`). */
    services: Services;
  }
}
