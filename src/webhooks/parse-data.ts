import type * as z from 'zod/mini';
import type { ClerkEvent } from './clerk-event';
import { InvalidEventData } from './effects';

/** Validates `event.data` for a fold; names the bad fields, never their values. */
export function parseData<T extends z.ZodMiniType>(schema: T, event: ClerkEvent): z.infer<T> {
  const result = schema.safeParse(event.data);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join('.') || 'data').join(', ');
    throw new InvalidEventData(`${event.type}: invalid data (${fields})`);
  }
  return result.data as z.infer<T>;
}
