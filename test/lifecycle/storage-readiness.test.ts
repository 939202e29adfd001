import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { D1_CAP_BYTES, storageStatus } from '../../src/lifecycle/storage-readiness';
import { callApp } from '../helpers/http';
import { DAY_MS, lifecycleAt } from './support';

/** The real D1, except that results report `size_after` as `bytes` (a database near its cap). */
function d1OfSize(bytes: number): D1Database {
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare')
        return (query: string) => {
          const statement = target.prepare(query);
          return new Proxy(statement, {
            get(s, p) {
              if (p === 'run')
                return async () => {
                  const result = await s.run();
                  return { ...result, meta: { ...result.meta, size_after: bytes } };
                };
              const value = Reflect.get(s, p);
              return typeof value === 'function' ? value.bind(s) : value;
            },
          });
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function storage(db: D1Database = env.DB) {
  const res = await callApp(createApp(), '/health/ready', undefined, { ...env, DB: db });
  const body = (await res.json()) as { checks: { storage: Record<string, unknown> } };
  return { status: res.status, storage: body.checks.storage };
}

describe('readiness checks.storage', () => {
  it("reports D1's size against its cap and the lifecycle job's last run", async () => {
    await lifecycleAt(Date.UTC(2030, 0, 1) + DAY_MS);
    const { storage: s } = await storage();
    expect(s).toMatchObject({
      status: 'ok',
      d1: { capBytes: D1_CAP_BYTES, sizeBytes: expect.any(Number), usedRatio: expect.any(Number) },
      lifecycle: { lastRunAt: '2030-01-02T00:00:00.000Z', lastError: null, archived: 0, deleted: 0, pending: 0 },
    });
    expect((s.d1 as { sizeBytes: number }).sizeBytes).toBeGreaterThan(0);
  });

  it('is degraded (200) from 70 % of the cap and fails (503) from 90 %', async () => {
    expect((await storage(d1OfSize(0.69 * D1_CAP_BYTES))).storage.status).toBe('ok');
    const degraded = await storage(d1OfSize(0.7 * D1_CAP_BYTES));
    expect(degraded.storage).toMatchObject({ status: 'degraded', d1: { usedRatio: 0.7 } });
    const full = await storage(d1OfSize(0.95 * D1_CAP_BYTES));
    expect(full).toMatchObject({ status: 503, storage: { status: 'fail', d1: { usedRatio: 0.95 } } });
  });

  it('says when the last run failed or was skipped as misconfigured', async () => {
    expect(storageStatus(0.1, 'r2_failed')).toBe('degraded');
    await lifecycleAt(Date.UTC(2030, 0, 3), { RETAIN_AUDIT_HOT_DAYS: 'abc' });
    expect((await storage()).storage).toMatchObject({ status: 'degraded', lifecycle: { lastError: 'misconfigured' } });
  });
});
