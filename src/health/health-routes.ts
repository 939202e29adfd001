import type { Context } from 'hono';
import * as z from 'zod/mini';
import type { AppEnv } from '../env';
import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { log } from '../lib/log';

export type CheckStatus = 'ok' | 'degraded' | 'fail';
export type CheckResult = { status: CheckStatus } & Record<string, unknown>;
/** A readiness check; feature modules contribute their own (e.g. the key set). */
export type ReadinessCheck = { name: string; run: (c: Context<AppEnv>) => Promise<CheckResult> };

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck, c: Context<AppEnv>): Promise<CheckResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      check.run(c),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'fail', error: 'timeout' }), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    log('error', 'health.check_failed', { check: check.name, error: err });
    return { status: 'fail', error: 'error' };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export const configCheck: ReadinessCheck = {
  name: 'config',
  run: async (c) => {
    const problems = c.get('config').problems;
    return problems.length === 0 ? { status: 'ok' } : { status: 'fail', problems };
  },
};

export const d1Check: ReadinessCheck = {
  name: 'd1',
  run: async (c) => {
    await c.env.DB.prepare('select 1').first();
    return { status: 'ok' };
  },
};

export const kvCheck: ReadinessCheck = {
  name: 'kv',
  run: async (c) => {
    await c.env.JWKS_CACHE.get('health:probe');
    return { status: 'ok' };
  },
};

/** `/health` (liveness, touches nothing) and `/health/ready` (every check; 503 if any fails). */
export function healthRoutes(checks: ReadinessCheck[]) {
  return factory
    .createApp()
    .get('/', (c) => c.json({ status: 'ok' as const }))
    .get('/ready', async (c) => {
      const results = await Promise.all(checks.map(async (check) => [check.name, await runCheck(check, c)] as const));
      const statuses = results.map(([, r]) => r.status);
      const status: CheckStatus = statuses.includes('fail')
        ? 'fail'
        : statuses.includes('degraded')
          ? 'degraded'
          : 'ok';
      c.header('cache-control', 'no-store');
      return c.json({ status, checks: Object.fromEntries(results) }, status === 'fail' ? 503 : 200);
    });
}

const check = z.looseObject({ status: z.enum(['ok', 'degraded', 'fail']) });

/** OpenAPI entries for healthRoutes (mounted under `/health`). */
export const healthRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness',
    tag: 'health',
    security: 'none',
    responses: { 200: { description: 'Alive.', schema: z.object({ status: z.literal('ok') }) } },
    errors: [],
  },
  {
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness: configuration, D1, KV, key set',
    tag: 'health',
    security: 'none',
    responses: {
      200: {
        description: 'Ready (or degraded).',
        schema: z.object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), check) }),
      },
      503: {
        description: 'Not ready.',
        schema: z.object({ status: z.literal('fail'), checks: z.record(z.string(), check) }),
      },
    },
    errors: [],
  },
];
