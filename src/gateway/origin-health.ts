import type { SendToOrigin } from './forward';

/** What readiness shows of the origin (`checks.gateway.origin`). */
export type OriginProbe = {
  status: 'ok' | 'fail';
  /** The origin's status, or null when it did not answer (refused, reset, timed out). */
  httpStatus: number | null;
  latencyMs: number;
  /** ISO-8601. */
  checkedAt: string;
};

/** Probes at most this often per isolate, however often readiness is asked (a load balancer may poll every second). */
export const ORIGIN_PROBE_INTERVAL_MS = 30_000;
/** Inside readiness's own 2 s bound per check. */
export const ORIGIN_PROBE_TIMEOUT_MS = 1_500;

/**
 * The origin's health as this isolate last saw it (`services.gateway.originHealth`): one probe of
 * ORIGIN_HEALTH_PATH per {@link ORIGIN_PROBE_INTERVAL_MS}, shared by concurrent readiness calls. A 2xx is `ok`;
 * any other status, a network error or no answer within {@link ORIGIN_PROBE_TIMEOUT_MS} is `fail`. The probe
 * carries no identity (no assertion, no credentials): it is a plain GET the origin can answer anonymously.
 */
export class OriginHealth {
  private last: { key: string; at: number; probe: Promise<OriginProbe> } | undefined;

  constructor(private readonly now: () => number) {}

  check(send: SendToOrigin, url: string): Promise<OriginProbe> {
    const at = this.now();
    const last = this.last;
    if (last && last.key === url && at - last.at < ORIGIN_PROBE_INTERVAL_MS) return last.probe;
    const probe = probeOnce(send, url, this.now);
    this.last = { key: url, at, probe };
    return probe;
  }
}

async function probeOnce(send: SendToOrigin, url: string, now: () => number): Promise<OriginProbe> {
  const started = now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ORIGIN_PROBE_TIMEOUT_MS);
  let httpStatus: number | null = null;
  try {
    const request = new Request(url, { headers: { 'user-agent': 'fulcrum-edge-health' }, redirect: 'manual' });
    const response = await send(request, controller.signal);
    httpStatus = response.status;
    await response.body?.cancel();
  } catch {
    httpStatus = null;
  } finally {
    clearTimeout(timer);
  }
  const ok = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
  return {
    status: ok ? 'ok' : 'fail',
    httpStatus,
    latencyMs: Math.max(0, now() - started),
    checkedAt: new Date(started).toISOString(),
  };
}
