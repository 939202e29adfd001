import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

/** A Drizzle client over D1 (the primary, or a read session) with this service's schema. */
export type Database = DrizzleD1Database<typeof schema>;

// One client per D1 object: building one extracts the relational config of the whole schema, which
// cost every request that much even when it ran no query. A client keeps no per-request state (it is
// the D1 object it wraps plus the schema), so the primary binding's is shared by the isolate's
// requests; a read session is its own D1 object, so each session still gets its own client.
const clients = new WeakMap<D1Database, Database>();

/** Drizzle over a D1 binding (or a D1 session), built once per binding/session object. */
export function openDatabase(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = drizzle(d1, { schema });
    clients.set(d1, db);
  }
  return db;
}
