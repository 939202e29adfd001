// Statistics of the benches: one median, one quantile, per-round ratios. Pure (a unit test runs it in workerd).
// Benches report medians of rounds and ratios taken within a round (both sides measured back to back on the same
// loaded machine), then the median of those ratios.

/** The element at rank ⌊n·q⌋ of the sorted values (no interpolation); NaN for no values. */
export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

/** `quantile(xs, 0.5)`: the middle value, the upper one of the two middle values for an even count. */
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Combines two series measured in the same rounds, round by round (a missing partner gives NaN). */
export function pairwise(xs: readonly number[], ys: readonly number[], f: (x: number, y: number) => number): number[] {
  return xs.map((x, i) => f(x, ys[i] ?? Number.NaN));
}

/** Median of the per-round ratios `xs[i] / ys[i]`. */
export const medianRatio = (xs: readonly number[], ys: readonly number[]): number =>
  median(pairwise(xs, ys, (x, y) => x / y));

/** The list rotated left by `k` (the order variants run in a round, so none always runs first). */
export const rotate = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length] as T);

/** A number with `digits` decimals, or `–` when it is not finite. */
export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
