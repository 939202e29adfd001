import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

/** A Drizzle client over D1 (the primary, or a read session) with this service's schema. */
export type Database = DrizzleD1Database<typeof schema>;

/** Wraps a D1 binding (or a D1 session) in Drizzle; cheap, built per request or per cron run. */
export function openDatabase(d1: D1Database): Database {
  return drizzle(d1, { schema });
}
