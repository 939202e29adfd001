import * as z from 'zod/mini';
import { readResponseText } from '../lib/read-body';

/** The fields of Clerk's Backend API `User` object that reconciliation reads. */
const clerkUser = z.object({
  id: z.string().check(z.regex(/^user_[A-Za-z0-9]+$/)),
  email_addresses: z.optional(z.array(z.object({ id: z.string(), email_address: z.string() }))),
  primary_email_address_id: z.optional(z.nullable(z.string())),
  first_name: z.optional(z.nullable(z.string())),
  last_name: z.optional(z.nullable(z.string())),
  username: z.optional(z.nullable(z.string())),
  image_url: z.optional(z.nullable(z.string())),
  created_at: z.number(),
  updated_at: z.number(),
});
export type ClerkUser = z.output<typeof clerkUser>;

export type ClerkApi = { apiUrl: string; secretKey: string; fetch?: typeof fetch; timeoutMs?: number; maxBytes?: number };

export type ClerkResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'timeout' | 'network' | 'unauthorized' | 'http' | 'too_large' | 'malformed'; status?: number };

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

async function getJson(api: ClerkApi, path: string): Promise<ClerkResult<unknown> & { status?: number }> {
  let res: Response;
  try {
    res = await (api.fetch ?? fetch)(`${api.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${api.secretKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(api.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    return { ok: false, reason: (err as Error)?.name === 'TimeoutError' ? 'timeout' : 'network' };
  }
  if (res.status === 404) return { ok: false, reason: 'http', status: 404 };
  // 401/403 from the Backend API means CLERK_SECRET_KEY is invalid: an operator must act.
  if (res.status === 401 || res.status === 403) return { ok: false, reason: 'unauthorized', status: res.status };
  if (!res.ok) {
    await res.body?.cancel();
    return { ok: false, reason: 'http', status: res.status };
  }
  const text = await readResponseText(res, api.maxBytes ?? DEFAULT_MAX_BYTES);
  if (text === null) return { ok: false, reason: 'too_large' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

/**
 * `GET /v1/users?limit&offset&order_by=+created_at`: Clerk answers a bare JSON array of
 * users (@clerk/backend's `getUserList` wraps it with a separate `/v1/users/count` call).
 * Ascending creation order keeps offsets stable while new users sign up.
 */
export async function listClerkUsers(api: ClerkApi, args: { limit: number; offset: number }): Promise<ClerkResult<ClerkUser[]>> {
  const r = await getJson(api, `/v1/users?limit=${args.limit}&offset=${args.offset}&order_by=%2Bcreated_at`);
  if (!r.ok) return r;
  const parsed = z.array(clerkUser).safeParse(r.value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'malformed' };
}

/** `GET /v1/users/{id}`: the user, `null` when Clerk answers 404 (deleted), or an error. */
export async function getClerkUser(api: ClerkApi, userId: string): Promise<ClerkResult<ClerkUser | null>> {
  const r = await getJson(api, `/v1/users/${encodeURIComponent(userId)}`);
  if (!r.ok) return r.status === 404 ? { ok: true, value: null } : r;
  const parsed = clerkUser.safeParse(r.value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'malformed' };
}

/** Tenant profile fields from a Clerk user. */
export function profileOf(u: ClerkUser): { email: string | null; name: string | null; imageUrl: string | null } {
  const primary = u.email_addresses?.find((e) => e.id === u.primary_email_address_id) ?? u.email_addresses?.[0];
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username || null;
  return { email: primary?.email_address ?? null, name, imageUrl: u.image_url ?? null };
}
