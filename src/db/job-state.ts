import { eq } from 'drizzle-orm';
import type { Database } from './database';
import { jobState } from './schema';

/** A scheduled job's saved state (JSON), or null when none or unreadable. */
export async function readJobState<T>(db: Database, args: { name: string }): Promise<T | null> {
  const row = await db.select().from(jobState).where(eq(jobState.name, args.name)).get();
  if (!row) return null;
  try {
    return JSON.parse(row.value) as T;
  } catch {
    return null;
  }
}

/** Saves a scheduled job's state (JSON). */
export async function writeJobState(db: Database, args: { name: string; value: unknown; now: number }): Promise<void> {
  const value = JSON.stringify(args.value);
  await db
    .insert(jobState)
    .values({ name: args.name, value, updatedAt: args.now })
    .onConflictDoUpdate({ target: jobState.name, set: { value, updatedAt: args.now } });
}
