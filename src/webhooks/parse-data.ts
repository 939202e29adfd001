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

/** The id prefix Clerk gives the other kind of entity (https://clerk.com/docs: `user_…`, `org_…`). */
const FOREIGN_PREFIX = { user: 'org_', organization: 'user_' } as const;

/**
 * Refuses an id that is plainly the other kind's (a `user.*` event carrying an `org_…` id, an
 * organization id that is a `user_…`): effects never cross entities. Returns the id.
 */
export function entityId(id: string, kind: 'user' | 'organization', event: ClerkEvent, field: string): string {
  if (id.startsWith(FOREIGN_PREFIX[kind]))
    throw new InvalidEventData(`${event.type}: ${field} is not ${kind === 'user' ? 'a user' : 'an organization'} id`);
  return id;
}
