import * as z from 'zod/mini';
import { type DenyEntry, denyEntry, isDenyId } from '../revocation/deny-rule';
import type { ClerkEvent } from './clerk-event';
import { entityId, parseData } from './parse-data';

const withId = z.looseObject({ id: z.string().check(z.minLength(1)) });
const userUpdate = z.looseObject({ id: z.string().check(z.minLength(1)), banned: z.optional(z.unknown()) });

const SESSION_ENDS = new Set(['session.revoked', 'session.ended', 'session.removed']);

/** The event types that may revoke (the webhook route writes their entries before applying D1 effects). */
export const REVOCATION_TYPES = [...SESSION_ENDS, 'user.deleted', 'user.updated'];

/**
 * The deny entries a Clerk event asks for (pure), at the event's time `at` (Clerk's clock, like the
 * tokens' `iat`): a session that was revoked, ended or removed refuses its tokens; a deleted user, or one
 * updated with `banned: true`, refuses every token issued before the event. Clerk has no `user.banned`
 * event; an unban (`banned: false`) removes nothing: the tokens issued before the ban belong to sessions
 * Clerk revoked with it. Throws `InvalidEventData` like the other folds.
 */
export function foldRevocation(event: ClerkEvent, at: number): DenyEntry[] {
  if (SESSION_ENDS.has(event.type)) {
    const { id } = parseData(withId, event);
    return isDenyId(id) ? [denyEntry('session', id, at)] : [];
  }
  if (event.type === 'user.deleted') {
    const { id } = parseData(withId, event);
    return isDenyId(id) ? [denyEntry('user', entityId(id, 'user', event, 'data.id'), at)] : [];
  }
  if (event.type === 'user.updated') {
    const user = parseData(userUpdate, event);
    return user.banned === true && isDenyId(user.id)
      ? [denyEntry('user', entityId(user.id, 'user', event, 'data.id'), at)]
      : [];
  }
  return [];
}
