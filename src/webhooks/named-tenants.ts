import type { ClerkEvent } from './clerk-event';

/** The user and organization a Clerk event's payload names (Clerk ids: `user_…`, `org_…`), or null. */
export type NamedTenants = { userId: string | null; orgId: string | null };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const idOf = (v: unknown, prefix: string): string | null =>
  typeof v === 'string' && v.startsWith(prefix) && v.length <= 128 ? v : null;

/**
 * Who a payload is about, for erasure: a deleted user's or organization's stored payloads are found by
 * these (indexed) instead of by scanning bodies. Read from where Clerk puts ids in every event type we
 * know, and in the ones we ignore but still store (`email.created`, `sms.created`: `data.user_id`):
 * `data.id`, `data.user_id`, `data.public_user_data.user_id`, `data.organization.id`, `data.organization_id`.
 */
export function namedTenants(event: ClerkEvent): NamedTenants {
  const d = event.data;
  const publicUser = isRecord(d.public_user_data) ? d.public_user_data : {};
  const org = isRecord(d.organization) ? d.organization : {};
  return {
    userId: idOf(d.user_id, 'user_') ?? idOf(publicUser.user_id, 'user_') ?? idOf(d.id, 'user_'),
    orgId: idOf(org.id, 'org_') ?? idOf(d.organization_id, 'org_') ?? idOf(d.id, 'org_'),
  };
}
