import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { LogFields } from '../../src/lib/log';
import { createScheduled } from '../../src/scheduled';
import { createServices } from '../../src/services/services';

describe('the cron handler (src/scheduled.ts)', () => {
  it('runs every job once per trigger, on the trigger’s scheduledTime, with the isolate’s services', async () => {
    const lines: { event: string; fields?: LogFields }[] = [];
    const services = createServices({ log: (_level, event, fields) => void lines.push({ event, fields }) });
    const scheduledTime = Date.UTC(2026, 5, 1, 12, 0, 0);
    const ctx = createExecutionContext();
    await createScheduled(services)(
      { scheduledTime, cron: '*/10 * * * *', noRetry: () => {} } as ScheduledController,
      { ...env, CLERK_SECRET_KEY: undefined },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const done = lines.filter((l) => l.event === 'maintenance.done');
    expect(done).toHaveLength(1);
    expect(Object.keys(done[0]?.fields ?? {})).toEqual(['retry', 'reconcile', 'lifecycle', 'usage']);
    expect(done[0]?.fields?.['reconcile']).toEqual({ skipped: 'CLERK_SECRET_KEY' });
    expect(lines.filter((l) => l.event.endsWith('_failed'))).toEqual([]);
    // The jobs' clock is the trigger's: what they saved is stamped scheduledTime, not the wall clock.
    const stamped = await env.DB.prepare('select name from job_state where updated_at = ?').bind(scheduledTime).all();
    expect(stamped.results.length).toBeGreaterThan(0);
  });
});
