import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DUE_PAYLOADS_SQL, duePayloads, selectDueAudits } from '../../src/lifecycle/lifecycle-store';
import { testDb } from '../helpers/api-app';

// The lifecycle's "what is due" statements walk a time index from the oldest row and stop after their limit, so a
// statement's hold on D1's single writer does not grow with the table. SQLite's plan (EXPLAIN QUERY PLAN, on the
// real migrated schema) says which index a statement starts from; a plan that starts anywhere else reads every
// matching row and sorts it, each time.

async function plan(query: string, params: readonly unknown[]): Promise<string> {
  const { results } = await env.DB.prepare(`explain query plan ${query}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join('\n');
}

describe('lifecycle statement plans', () => {
  const args = { cutoff: 1_000, limit: 200 };

  it('dropping payloads starts from the oldest payload rows, never from every done record', async () => {
    const q = duePayloads(testDb(), args).toSQL();
    const p = await plan(q.sql, q.params);
    expect(p).toMatch(/^SEARCH \S+ USING INDEX webhook_payloads_received_idx \(received_at<\?\)/);
    expect(p).not.toContain('webhook_events_status_idx');
    expect(p).not.toContain('TEMP B-TREE');
  });

  it("readiness's count of due payloads walks the same way", async () => {
    const p = await plan(DUE_PAYLOADS_SQL, [args.cutoff]);
    expect(p).toMatch(/^SEARCH p USING INDEX webhook_payloads_received_idx \(received_at<\?\)/);
    expect(p).not.toContain('webhook_events_status_idx');
  });

  it('audits start from their time index', async () => {
    const audits = selectDueAudits(testDb(), args).toSQL();
    expect(await plan(audits.sql, audits.params)).toMatch(/^SEARCH \S+ USING INDEX login_audits_created_idx/);
  });
});
