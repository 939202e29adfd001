import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RequestOutcome, toDataPoint } from '../../src/metrics/data-point';
import { PointBuffer } from '../../src/metrics/point-buffer';
import { MetricsRecorder } from '../../src/metrics/recorder';

const outcome = (o: Partial<RequestOutcome> = {}): RequestOutcome => ({
  surface: 'edge',
  route: '/v1/me',
  outcome: 'refused',
  reason: 'expired',
  tokenType: 'session_token',
  keySource: '-',
  status: 401,
  colo: 'AMS',
  index: '-',
  totalMs: 3,
  originMs: 0,
  ...o,
});

describe('toDataPoint', () => {
  it('writes index, the blobs in their documented order and the doubles 1, total ms, origin ms', () => {
    expect(toDataPoint(outcome({ index: 'org_1', totalMs: 7, originMs: 5 }))).toEqual({
      indexes: ['org_1'],
      blobs: ['edge', '/v1/me', 'refused', 'expired', 'session_token', '-', '401', 'AMS'],
      doubles: [1, 7, 5],
    });
  });

  it("cuts an index longer than Analytics Engine's 96 bytes instead of losing the point", () => {
    expect(toDataPoint(outcome({ index: 'x'.repeat(500) })).indexes?.[0]).toHaveLength(96);
  });
});

describe('PointBuffer', () => {
  it('keeps the newest `capacity` points, oldest first, whatever the number pushed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 70 }), (capacity, pushed) => {
        const buffer = new PointBuffer(capacity);
        for (let i = 0; i < pushed; i++) buffer.push({ ...outcome(), t: i });
        const expected = Array.from(
          { length: Math.min(capacity, pushed) },
          (_, i) => pushed - Math.min(capacity, pushed) + i,
        );
        expect(buffer.points().map((p) => p.t)).toEqual(expected);
        expect(buffer.size).toBe(expected.length);
      }),
    );
  });
});

describe('MetricsRecorder', () => {
  it('writes one point to the dataset; the buffer only when asked (development)', () => {
    const written: AnalyticsEngineDataPoint[] = [];
    const recorder = new MetricsRecorder({ now: () => 42 });
    recorder.record({ writeDataPoint: (p) => void written.push(p ?? {}) }, outcome(), false);
    expect(written).toEqual([toDataPoint(outcome())]);
    expect(recorder.buffer.size).toBe(0);
    recorder.record(undefined, outcome({ status: 200, outcome: 'accepted', reason: '-' }), true);
    expect(recorder.buffer.points()).toEqual([
      { ...outcome({ status: 200, outcome: 'accepted', reason: '-' }), t: 42 },
    ]);
  });

  it('a dataset that throws never reaches the caller, and is reported once', () => {
    const errors: unknown[] = [];
    const recorder = new MetricsRecorder({ now: () => 0, onError: (e) => errors.push(e) });
    const broken = {
      writeDataPoint: () => {
        throw new Error('down');
      },
    };
    expect(() => recorder.record(broken, outcome(), true)).not.toThrow();
    recorder.record(broken, outcome(), true);
    expect(errors).toHaveLength(1);
    expect(recorder.buffer.size).toBe(2);
  });
});
