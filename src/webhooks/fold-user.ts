import * as z from 'zod/mini';
import { clerkUserProfileFields, profileOfClerkUser } from '../clerk/user-profile';
import { type ClerkEvent, toMillis } from './clerk-event';
import type { Effect } from './effects';
import { entityId, parseData } from './parse-data';

const userData = z.looseObject({
  id: z.string().check(z.minLength(1)),
  ...clerkUserProfileFields,
  created_at: z.optional(z.nullable(z.number())),
});

const deletedData = z.looseObject({ id: z.string().check(z.minLength(1)) });

/** `user.created|updated|deleted` ⇒ the user's tenant. */
export function foldUser(event: ClerkEvent, at: number): Effect[] {
  if (event.type === 'user.deleted') {
    const { id } = parseData(deletedData, event);
    return [{ kind: 'tenant.archive', tenantKind: 'user', id: entityId(id, 'user', event, 'data.id'), at }];
  }
  const user = parseData(userData, event);
  const { name, email, imageUrl } = profileOfClerkUser(user);
  return [
    {
      kind: 'tenant.profile',
      tenantKind: 'user',
      id: entityId(user.id, 'user', event, 'data.id'),
      name,
      email,
      slug: null,
      imageUrl,
      clerkCreatedAt: toMillis(user.created_at) ?? null,
      at,
      isUpdate: event.type.endsWith('.updated'),
    },
  ];
}
