import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import type { TestClock } from '../services/test-clock';
import { factory } from './factory';

const encoder = new TextEncoder();

/**
 * Whether this request may move the clock: `ENVIRONMENT` set to exactly "development" (not defaulted to it: a
 * deployed block that lost or mistyped the var must not enable this), TEST_CLOCK_TOKEN set and presented.
 */
function allowed(c: Context<AppEnv>): boolean {
  // Set only where ENVIRONMENT is exactly "development" (src/env.ts).
  const expected = c.var.config.TEST_CLOCK_TOKEN;
  const presented = c.req.header('x-test-clock-token');
  if (!expected || expected.length < 16 || !presented) return false;
  const a = encoder.encode(presented);
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

/**
 * `POST /__test/clock {"advanceMs": n}` moves the services' clock forward by n ms (0 < n ≤ 1 day) and
 * answers the total shift. Where it is not allowed it is a 404 for every method, like an unknown path.
 */
export function testClockRoutes(clock: TestClock) {
  return factory.createApp().all('/clock', async (c) => {
    if (!allowed(c)) throw new AppError('not_found');
    if (c.req.method !== 'POST') throw new AppError('method_not_allowed', { headers: { allow: 'POST' } });
    const body = (await c.req.json().catch(() => null)) as { advanceMs?: unknown } | null;
    const ms = body?.advanceMs;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms <= 0 || ms > 86_400_000) {
      throw new AppError('invalid_request', { message: 'advanceMs must be a whole number of ms, 1 to 86400000.' });
    }
    return c.json({ offsetMs: clock.advance(ms) });
  });
}
