import * as z from 'zod/mini';
import { type ClerkEvent, toMillis } from './clerk-event';
import type { Effect } from './effects';
import { parseData } from './parse-data';

const userData = z.looseObject({
  id: z.string().check(z.minLength(1)),
  first_name: z.optional(z.nullable(z.string())),
  last_name: z.optional(z.nullable(z.string())),
  username: z.optional(z.nullable(z.string())),
  image_url: z.optional(z.nullable(z.string())),
  primary_email_address_id: z.optional(z.nullable(z.string())),
  email_addresses: z.optional(
    z.nullable(z.array(z.looseObject({ id: z.optional(z.nullable(z.string())), email_address: z.optional(z.nullable(z.string())) }))),
  ),
  created_at: z.optional(z.nullable(z.number())),
});

const deletedData = z.looseObject({ id: z.string().check(z.minLength(1)) });

/** The display name Clerk would show: first and last name, else the username. */
function displayName(user: z.infer<typeof userData>): string | null {
  const full = [user.first_name, user.last_name].filter((s) => typeof s === 'string' && s.trim() !== '').join(' ');
  return full || user.username || null;
}

/** `user.created|updated|deleted` ⇒ the user's tenant. */
export function foldUser(event: ClerkEvent, at: number): Effect[] {
  if (event.type === 'user.deleted') {
    const { id } = parseData(deletedData, event);
    return [{ kind: 'tenant.archive', tenantKind: 'user', id, at }];
  }
  const user = parseData(userData, event);
  // The primary email is referenced by id (Clerk's User object), not flagged in the list.
  const primary = user.email_addresses?.find((e) => e.id != null && e.id === user.primary_email_address_id);
  return [
    {
      kind: 'tenant.profile',
      tenantKind: 'user',
      id: user.id,
      name: displayName(user),
      email: primary?.email_address ?? null,
      slug: null,
      imageUrl: user.image_url ?? null,
      clerkCreatedAt: toMillis(user.created_at) ?? null,
      at,
      isUpdate: event.type.endsWith('.updated'),
    },
  ];
}
