import type { CursorCodec } from './cursor';

export type SignedPageArgs<P> = {
  /** The key the cursor MACs derive from (CLERK_SECRET_KEY). */
  secret: string;
  /** What the cursor is bound to (caller, filters): a cursor used with another scope is a 400. */
  scope: readonly unknown[];
  /** The request's `cursor` parameter. */
  cursor: string | undefined;
  /** Validates a decoded cursor's position (null ⇒ 400). */
  parse: (value: unknown) => P | null;
  /** A position as the cursor carries it (default: as is). */
  toWire?: (position: P) => unknown;
};

/**
 * The one paging rule of the API: an opaque, HMAC-signed `cursor` in, a keyset query, `{ items,
 * nextCursor }` out. A cursor minted for another tenant or other filters, or edited, is 400
 * `invalid_request` (CursorCodec); the query gets the decoded position.
 */
export async function signedPage<P, R, J>(
  cursors: CursorCodec,
  args: SignedPageArgs<P>,
  query: (after: P | undefined) => Promise<{ rows: R[]; next: P | null }>,
  toJson: (row: R) => J,
): Promise<{ items: J[]; nextCursor: string | null }> {
  const scope = JSON.stringify(args.scope);
  const after =
    args.cursor === undefined ? undefined : await cursors.decode(args.secret, scope, args.cursor, args.parse);
  const page = await query(after);
  const wire = args.toWire ?? ((p: P) => p);
  return {
    items: page.rows.map(toJson),
    nextCursor: page.next === null ? null : await cursors.encode(args.secret, scope, wire(page.next)),
  };
}
