import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema';
import { type AuditPosition, listLoginAudits } from '../../src/tenants/login-audit-store';
import { testDb } from '../helpers/api-app';
import { uid } from '../helpers/ids';

describe('listLoginAudits (D1, real migrations)', () => {
  it(
    'keyset pages concatenate to exactly the filtered, ordered set, ' + 'for any data and page size (property)',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ t: fc.integer({ min: 0, max: 20 }), status: fc.constantFrom('active', 'ended') }), {
            maxLength: 40,
          }),
          fc.integer({ min: 1, max: 7 }),
          fc.option(fc.constantFrom('active', 'ended'), { nil: undefined }),
          async (specs, limit, status) => {
            const tenantId = uid('user');
            const rows = specs.map((s, i) => ({
              sessionId: `sess_${i.toString(36)}_${uid('x')}`,
              tenantId,
              userId: tenantId,
              status: s.status,
              createdAt: s.t * 1000,
            }));
            const other = {
              sessionId: uid('sess'),
              tenantId: uid('user'),
              userId: 'u',
              status: 'active',
              createdAt: 5000,
            };
            const all = [...rows, other];
            for (let i = 0; i < all.length; i += 15)
              await testDb()
                .insert(schema.loginAudits)
                .values(all.slice(i, i + 15));
            const seen: string[] = [];
            let after: AuditPosition | undefined;
            for (let guard = 0; guard < 100; guard++) {
              const page = await listLoginAudits(testDb(), { tenantId, limit, after, status });
              expect(page.rows.length).toBeLessThanOrEqual(limit);
              seen.push(...page.rows.map((r) => r.sessionId));
              if (!page.next) break;
              after = page.next;
            }
            const expected = rows
              .filter((r) => status === undefined || r.status === status)
              .sort(
                (a, b) =>
                  b.createdAt - a.createdAt || (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0),
              )
              .map((r) => r.sessionId);
            expect(seen).toEqual(expected);
          },
        ),
        { numRuns: 25 },
      );
    },
  );
});
