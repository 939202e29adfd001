/**
 * Keyset pagination's page cut: queries fetch `limit + 1` rows in their index order; the extra row
 * only says whether there is a next page, whose position is the last returned row's sort key.
 */
export function keysetPage<R, P>(rows: R[], limit: number, positionOf: (row: R) => P): { rows: R[]; next: P | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > limit && last !== undefined ? positionOf(last) : null };
}
