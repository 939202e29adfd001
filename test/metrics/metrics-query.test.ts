import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestOutcome } from '../../src/metrics/data-point';
import {
  aggregatePoints,
  bucketsOfRows,
  metricsDataset,
  metricsSql,
  parseMetricsQuery,
} from '../../src/metrics/metrics-query';

const NOW = Date.parse('2026-12-04T12:30:00Z');
const HOUR = 3_600_000;

const point = (t: number, o: Partial<RequestOutcome> = {}) => ({
  surface: 'edge' as const,
  route: '/v1/me',
  outcome: 'refused' as const,
  reason: 'expired',
  tokenType: 'session_token',
  keySource: '-' as const,
  status: 401,
  colo: '-',
  index: '-',
  totalMs: 1,
  originMs: 0,
  t,
  ...o,
});

describe('parseMetricsQuery', () => {
  it('defaults: the last 24 hours by reason, hourly', () => {
    expect(parseMetricsQuery({}, NOW)).toEqual({
      ok: true,
      value: { since: NOW - 24 * HOUR, by: ['reason'], bucketMs: HOUR },
    });
  });

  it('daily buckets past two days; `by` is a de-duplicated list', () => {
    const r = parseMetricsQuery({ since: '2026-11-20T00:00:00Z', by: 'tokenType,reason,tokenType' }, NOW);
    expect(r).toEqual({
      ok: true,
      value: { since: Date.parse('2026-11-20T00:00:00Z'), by: ['tokenType', 'reason'], bucketMs: 24 * HOUR },
    });
  });

  it.each([
    ['since', { since: 'yesterday' }],
    ['since', { since: '2026-12-04T10:00:00' }], // no zone
    ['since', { since: '2026-12-05T00:00:00Z' }], // future
    ['since', { since: '2026-01-01T00:00:00Z' }], // past 90 days
    ['since', { since: '2026-02-30T00:00:00Z' }],
    ['by', { by: 'ip' }],
    ['by', { by: '' }],
    ['by', { by: 'reason;drop table' }],
  ])('refuses a bad %s: %j', (field, raw) => {
    const r = parseMetricsQuery(raw, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.field).toBe(field);
  });
});

describe('aggregatePoints (the isolate buffer)', () => {
  it('counts per hour, surface, outcome and the asked fields; older points are left out', () => {
    const q = { since: NOW - 2 * HOUR, by: ['reason' as const], bucketMs: HOUR };
    const points = [
      point(NOW - 3 * HOUR),
      point(NOW - HOUR - 1, { reason: 'expired' }),
      point(NOW - 60_000, { reason: 'expired' }),
      point(NOW - 50_000, { reason: 'expired' }),
      point(NOW - 40_000, { reason: 'bad_signature' }),
      point(NOW - 30_000, { outcome: 'accepted', reason: '-', status: 200 }),
    ];
    expect(aggregatePoints(points, q)).toEqual([
      {
        t: '2026-12-04T11:00:00.000Z',
        surface: 'edge',
        outcome: 'refused',
        reason: 'expired',
        tokenType: null,
        route: null,
        status: null,
        count: 1,
      },
      {
        t: '2026-12-04T12:00:00.000Z',
        surface: 'edge',
        outcome: 'accepted',
        reason: '-',
        tokenType: null,
        route: null,
        status: null,
        count: 1,
      },
      {
        t: '2026-12-04T12:00:00.000Z',
        surface: 'edge',
        outcome: 'refused',
        reason: 'bad_signature',
        tokenType: null,
        route: null,
        status: null,
        count: 1,
      },
      {
        t: '2026-12-04T12:00:00.000Z',
        surface: 'edge',
        outcome: 'refused',
        reason: 'expired',
        tokenType: null,
        route: null,
        status: null,
        count: 2,
      },
    ]);
  });

  it('loses and invents nothing: the counts add up to the points in the window (property)', () => {
    const reasons = fc.constantFrom('expired', 'malformed', '-', 'rate_limited');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 * HOUR }), reasons)), (entries) => {
        const q = { since: NOW - 24 * HOUR, by: ['reason' as const, 'status' as const], bucketMs: HOUR };
        const points = entries.map(([age, reason]) => point(NOW - age, { reason }));
        const total = aggregatePoints(points, q).reduce((n, b) => n + b.count, 0);
        expect(total).toBe(points.filter((p) => p.t >= q.since).length);
      }),
    );
  });
});

describe('metricsSql (Analytics Engine)', () => {
  it('groups by the bucket, surface, outcome and the asked columns, counting sampled rows', () => {
    const q = {
      since: Date.parse('2026-12-03T12:00:00Z'),
      by: ['reason' as const, 'tokenType' as const],
      bucketMs: HOUR,
    };
    expect(metricsSql(metricsDataset('production'), q)).toBe(
      [
        'SELECT intDiv(toUInt32(timestamp), 3600) * 3600 AS t, blob1 AS surface, blob3 AS outcome, blob4 AS reason, ' +
          'blob5 AS tokenType, SUM(_sample_interval) AS count',
        'FROM fulcrum_auth_edge_production',
        'WHERE timestamp >= toDateTime(1796299200)',
        'GROUP BY t, surface, outcome, reason, tokenType',
        'ORDER BY t DESC',
        'LIMIT 10001',
        'FORMAT JSON',
      ].join('\n'),
    );
  });

  it('refuses a dataset name that is not an identifier', () => {
    expect(() => metricsSql('x; DROP', { since: 0, by: ['reason'], bucketMs: HOUR })).toThrow();
  });

  it('reads rows with quoted 64-bit numbers', () => {
    const q = { since: 0, by: ['status' as const], bucketMs: HOUR };
    expect(
      bucketsOfRows([{ t: '1796299200', surface: 'edge', outcome: 'refused', status: '401', count: '12' }], q),
    ).toEqual([
      {
        t: '2026-12-03T12:00:00.000Z',
        surface: 'edge',
        outcome: 'refused',
        reason: null,
        tokenType: null,
        route: null,
        status: 401,
        count: 12,
      },
    ]);
  });
});
