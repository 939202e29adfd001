import { type Database, openDatabase } from './database';

/**
 * D1 bookmarks are four hex groups (e.g. `0000000a-00000002-00004f3a-6a3c…`). Anything
 * else is ignored: Miniflare accepts garbage and echoes it back, and production D1 may
 * throw on it, so we validate before handing it to `withSession`.
 */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** The request/response header that carries a D1 bookmark between a client and this service. */
export const BOOKMARK_HEADER = 'x-d1-bookmark';

export function isBookmark(value: string | undefined | null): value is string {
  return typeof value === 'string' && value.length === 59 && BOOKMARK.test(value);
}

export type ReadSession = {
  /** Drizzle over the D1 session: it only calls `prepare` and `batch`, which sessions have. */
  db: Database;
  /** The newest bookmark the session has seen, to hand back to the client. */
  bookmark(): string | null;
};

/**
 * Opens a D1 session: from the client's bookmark when it sent a valid one (read-your-writes
 * across requests), else `first-unconstrained` (nearest replica). Reads may be served by a
 * replica; writes in a session are always forwarded to the primary, and the session's
 * bookmark then covers them, so later reads in the same session see them. `start:
 * 'first-primary'` begins on the primary instead (after a write made outside the session).
 */
export function openReadSession(
  d1: D1Database,
  clientBookmark: string | undefined | null,
  start?: 'first-primary',
): ReadSession {
  let session: D1DatabaseSession;
  try {
    // `first-primary`: the primary is at least as new as any bookmark a client can hold.
    session = d1.withSession(start ?? (isBookmark(clientBookmark) ? clientBookmark : 'first-unconstrained'));
  } catch {
    // A well-formed bookmark D1 still refuses (e.g. from another database): start unconstrained.
    session = d1.withSession('first-unconstrained');
  }
  return {
    db: openDatabase(session as unknown as D1Database),
    bookmark: () => {
      try {
        const b = session.getBookmark();
        return isBookmark(b) ? b : null;
      } catch {
        return null;
      }
    },
  };
}
