import { describe, expect, it } from 'vitest';
import { fmt, median, medianRatio, pairwise, quantile, rotate } from '../../bench/support/stats';

describe('bench statistics', () => {
  it('median is the middle value, the upper middle for an even count, NaN for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('quantile takes the value at rank ⌊n·q⌋ of the sorted values and does not reorder its input', () => {
    const xs = [50, 10, 40, 20, 30];
    expect(quantile(xs, 0)).toBe(10);
    expect(quantile(xs, 0.25)).toBe(20);
    expect(quantile(xs, 0.75)).toBe(40);
    expect(quantile(xs, 1)).toBe(50);
    expect(xs).toEqual([50, 10, 40, 20, 30]);
  });

  it('ratios are taken per round, then their median', () => {
    expect(pairwise([2, 9], [1, 3], (x, y) => x - y)).toEqual([1, 6]);
    expect(medianRatio([2, 9, 10], [1, 3, 10])).toBe(2);
    expect(pairwise([1, 2], [1], (x, y) => x / y)[1]).toBeNaN();
  });

  it('rotates and formats', () => {
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(fmt(1.26)).toBe('1.3');
    expect(fmt(2, 2)).toBe('2.00');
    expect(fmt(Number.NaN)).toBe('–');
  });
});
