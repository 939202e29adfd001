import * as z from 'zod/mini';
import { err, ok, type Result } from '../lib/result';
import { type ClerkApi, type ClerkApiFailure, clerkRequest } from './backend-api';
import { clerkUserProfileFields } from './user-profile';

/** The fields of Clerk's Backend API `User` object that this service reads. */
export const clerkUserSchema = z.object({
  id: z.string().check(z.regex(/^user_[A-Za-z0-9]+$/)),
  ...clerkUserProfileFields,
  created_at: z.number(),
  updated_at: z.number(),
});
export type ClerkUser = z.output<typeof clerkUserSchema>;

const userList = z.array(clerkUserSchema);

/**
 * `GET /v1/users?limit&offset&order_by=+created_at`: Clerk answers a bare JSON array of
 * users (@clerk/backend's `getUserList` wraps it with a separate `/v1/users/count` call).
 * Ascending creation order keeps offsets stable while new users sign up.
 */
export async function listClerkUsers(
  api: ClerkApi,
  args: { limit: number; offset: number },
): Promise<Result<ClerkUser[], ClerkApiFailure>> {
  const r = await clerkRequest(api, {
    path: '/users',
    query: { limit: args.limit, offset: args.offset, order_by: '+created_at' },
  });
  if (!r.ok) return r;
  const parsed = userList.safeParse(r.value);
  return parsed.success ? ok(parsed.data) : err({ reason: 'malformed' });
}

/** `GET /v1/users/{id}`: the user, `null` when Clerk answers 404 (deleted), or a failure. */
export async function getClerkUser(api: ClerkApi, userId: string): Promise<Result<ClerkUser | null, ClerkApiFailure>> {
  const r = await clerkRequest(api, { path: `/users/${encodeURIComponent(userId)}` });
  if (!r.ok) return r.error.reason === 'http' && r.error.status === 404 ? ok(null) : r;
  const parsed = clerkUserSchema.safeParse(r.value);
  return parsed.success ? ok(parsed.data) : err({ reason: 'malformed' });
}
