import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditKey,
  dayOfTenantKey,
  deletedTenantPrefix,
  keySegment,
  tenantAuditPrefix,
  webhookKey,
} from '../../src/lifecycle/archive-keys';
import { gzipNdjson, ndjsonGzipLines } from '../../src/lifecycle/ndjson-gzip';

describe('archive key layout', () => {
  it("keeps Clerk's ids readable and lays keys out by kind, tenant and day", () => {
    expect(auditKey({ tenantId: 'user_2abc', day: '2030-01-10', firstSessionId: 'sess_9' })).toBe(
      'audit/user_2abc/2030-01-10/sess_9.ndjson.gz',
    );
    expect(webhookKey({ tenantId: null, day: '2030-01-10', firstSvixId: 'msg_1' })).toBe(
      'webhook/~/2030-01-10/msg_1.ndjson.gz',
    );
    expect(deletedTenantPrefix({ tenantId: 'org_1', day: '2030-02-01' })).toBe('deleted/2030-02-01/org_1/');
    expect(dayOfTenantKey('audit/user_2abc/2030-01-10/sess_9.ndjson.gz')).toBe('2030-01-10');
    expect(dayOfTenantKey('audit/user_2abc/sess_9.ndjson.gz')).toBeNull();
  });

  it('never lets a tenant id address another tenant (.., %2F, slashes, prefixes of others)', () => {
    for (const hostile of ['..', '../user_b', 'user_a/../user_b', 'user_a%2Fuser_b', 'user_a/', '', '.', '~', 'a b']) {
      const segment = keySegment(hostile);
      expect(segment, hostile).toMatch(/^~[0-9a-f]*$/);
      expect(tenantAuditPrefix(hostile)).not.toBe(tenantAuditPrefix('user_b'));
    }
    // A prefix ends with '/': one tenant's prefix is never a prefix of another's listing.
    expect(tenantAuditPrefix('user_a').startsWith('audit/user_a/')).toBe(true);
    expect(tenantAuditPrefix('user_ab').startsWith(tenantAuditPrefix('user_a'))).toBe(false);
  });

  it('is injective and safe for any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'grapheme' }), fc.string({ maxLength: 200 }), (a, b) => {
        const sa = keySegment(a);
        expect(sa).toMatch(/^[A-Za-z0-9_~]+$|^~$/);
        if (a !== b) expect(sa).not.toBe(keySegment(b));
      }),
      { numRuns: 500 },
    );
  });
});

describe('gzip NDJSON', () => {
  it('round-trips rows through CompressionStream/DecompressionStream, one JSON object per line', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ kind: 'audit', i, text: 'é\n"quoted"' }));
    const bytes = await gzipNdjson(rows);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const back: unknown[] = [];
    for await (const line of ndjsonGzipLines(new Blob([bytes]).stream())) back.push(JSON.parse(line));
    expect(back).toEqual(rows);
  });
});
