import type { ReadinessCheck } from '../health/health-routes';
import { revocationsOf, STRICT_TIMEOUT_MS } from './revocation-check';
import { withTimeout } from './revocation-state';

/**
 * Readiness `checks.revocation`: the object's version and size (one small read), and this isolate's copy
 * (version, entries, age, last refresh failure). `degraded` (still 200: ordinary routes go on with the
 * last copy; strict routes and admin answer 503) when the object cannot be read or the copy's last
 * refresh failed; `fail` only without the binding.
 */
export const revocationCheck: ReadinessCheck = {
  name: 'revocation',
  run: async (c) => {
    const stub = revocationsOf(c.env);
    if (!stub) return { status: 'fail', error: 'no REVOCATIONS binding' };
    const isolate = c.get('services').revocations.health(c.get('config').REVOCATION_REFRESH_MS);
    try {
      const object = await withTimeout(stub.stats(), STRICT_TIMEOUT_MS);
      return { status: isolate.status, object: { status: 'ok', ...object }, isolate };
    } catch {
      return { status: 'degraded', object: { status: 'unreachable' }, isolate };
    }
  },
};
