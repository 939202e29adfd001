import type { ClerkEvent } from './clerk-event';
import type { Effect } from './effects';
import { foldMembership, foldOrganization } from './fold-organization';
import { foldSession, SESSION_TYPES } from './fold-session';
import { foldUser } from './fold-user';

type Fold = (event: ClerkEvent, at: number) => Effect[];

const FOLDS: Record<string, Fold> = {
  'user.created': foldUser,
  'user.updated': foldUser,
  'user.deleted': foldUser,
  'organization.created': foldOrganization,
  'organization.updated': foldOrganization,
  'organization.deleted': foldOrganization,
  'organizationMembership.created': foldMembership,
  'organizationMembership.updated': foldMembership,
  'organizationMembership.deleted': foldMembership,
  ...Object.fromEntries(SESSION_TYPES.map((t) => [t, foldSession])),
};

/** Every event type with effects; anything else is acknowledged and recorded as ignored. */
export const SUPPORTED_EVENT_TYPES = Object.keys(FOLDS);

/**
 * A Clerk event ⇒ its effects (`null` for a type we do not handle). Pure: no clock, no
 * storage. Throws `InvalidEventData` when `data` lacks what the type promises.
 */
export function foldEvent(event: ClerkEvent, at: number): Effect[] | null {
  const fold = Object.hasOwn(FOLDS, event.type) ? FOLDS[event.type] : undefined;
  return fold ? fold(event, at) : null;
}
