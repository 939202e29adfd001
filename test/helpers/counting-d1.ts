/**
 * An instrumented D1 binding: forwards everything to the real (Miniflare) D1 and records
 * each call, on the database and on every session opened from it. Passed to
 * `createApp().fetch(req, { ...env, DB: counting.db }, ctx)` it shows exactly which D1 work
 * a request did.
 */
export type D1Calls = {
  prepare: number;
  batch: number;
  exec: number;
  /** The argument of every `withSession` call, in order. */
  withSession: string[];
  sessionPrepare: number;
  sessionBatch: number;
};

export function countingD1(inner: D1Database, options: { refuseBookmarks?: boolean } = {}) {
  const calls: D1Calls = { prepare: 0, batch: 0, exec: 0, withSession: [], sessionPrepare: 0, sessionBatch: 0 };
  const wrapSession = (session: D1DatabaseSession) => ({
    prepare: (query: string) => {
      calls.sessionPrepare++;
      return session.prepare(query);
    },
    batch: (statements: D1PreparedStatement[]) => {
      calls.sessionBatch++;
      return session.batch(statements);
    },
    getBookmark: () => session.getBookmark(),
  });
  const db = {
    prepare: (query: string) => {
      calls.prepare++;
      return inner.prepare(query);
    },
    batch: (statements: D1PreparedStatement[]) => {
      calls.batch++;
      return inner.batch(statements);
    },
    exec: (query: string) => {
      calls.exec++;
      return inner.exec(query);
    },
    withSession: (constraint?: string) => {
      calls.withSession.push(String(constraint));
      // As production D1 may: refuse a bookmark it does not know.
      if (options.refuseBookmarks && constraint !== 'first-unconstrained' && constraint !== 'first-primary') {
        throw new Error('D1_ERROR: invalid bookmark');
      }
      return wrapSession(inner.withSession(constraint));
    },
  } as unknown as D1Database;
  return {
    db,
    calls,
    /** Every D1 call that could reach the database (statements, batches, sessions opened). */
    total: () =>
      calls.prepare + calls.batch + calls.exec + calls.withSession.length + calls.sessionPrepare + calls.sessionBatch,
    reset: () =>
      Object.assign(calls, { prepare: 0, batch: 0, exec: 0, withSession: [], sessionPrepare: 0, sessionBatch: 0 }),
  };
}

/** A D1 bookmark Miniflare could produce (four hex groups). */
export const BOOKMARK_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;
