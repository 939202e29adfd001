import * as z from 'zod/mini';

const nullableString = z.optional(z.nullable(z.string()));

/**
 * The profile fields of Clerk's `User` object, as both the `user.*` webhooks and the Backend API
 * (`GET /v1/users`) send them (https://clerk.com/docs/reference/backend/types/backend-user). One
 * schema for both, so a user object means the same thing whichever path brought it.
 */
export const clerkUserProfileFields = {
  first_name: nullableString,
  last_name: nullableString,
  username: nullableString,
  image_url: nullableString,
  primary_email_address_id: nullableString,
  email_addresses: z.optional(
    z.nullable(z.array(z.looseObject({ id: nullableString, email_address: nullableString }))),
  ),
};

const profileInput = z.looseObject(clerkUserProfileFields);
export type ClerkUserProfileInput = z.output<typeof profileInput>;

/** What a tenant keeps of a Clerk user's profile. */
export type UserProfile = { name: string | null; email: string | null; imageUrl: string | null };

/**
 * THE Clerk user ⇒ tenant profile rule, used by webhooks (`fold-user.ts`) and reconciliation alike.
 * - email: the address whose id is `primary_email_address_id`, else null. No fallback to another
 *   address: that is @clerk/backend's `User.primaryEmailAddress` (`find(id === primaryEmailAddressId)
 *   ?? null`), and a user without a primary (a phone or username sign-up, or an address not yet
 *   verified) has no email Clerk would use: an unverified or secondary address must not become the
 *   tenant's (admin search finds tenants by email).
 * - name: @clerk/backend's `User.fullName` (`[firstName, lastName].join(' ').trim() || null`), else
 *   the username, else null; so a blank first name falls through to the username on every path.
 */
export function profileOfClerkUser(user: ClerkUserProfileInput): UserProfile {
  const primaryId = user.primary_email_address_id;
  const primary = primaryId == null ? undefined : user.email_addresses?.find((e) => e.id === primaryId);
  const fullName = [user.first_name, user.last_name].join(' ').trim();
  return {
    name: fullName || user.username || null,
    email: primary?.email_address ?? null,
    imageUrl: user.image_url ?? null,
  };
}
