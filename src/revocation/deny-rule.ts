import { DEFAULT_CLOCK_SKEW_MS } from '../auth/verify-session';

/**
 * The deny rule (pure): which session tokens a revocation refuses, and for how long it must be kept.
 *
 * - A `session` entry refuses every token of that session (`sid`). Clerk issues no token for a session
 *   after revoking or ending it, so the entry is needed only while a token issued before can be live.
 * - A `user` entry refuses the user's tokens issued (`iat`) before `at`: a sign-out-everywhere, a ban, a
 *   deletion. A token issued after it (the user signed in again, or was unbanned) passes.
 *
 * `at` is the moment of revocation on Clerk's clock for webhooks (the event's time) and on ours for admin
 * calls; a token refused by an entry was issued at or before `at`, so it expires by `at` + its lifetime and
 * the verifier accepts it for at most the clock skew longer: the entry is useless after `expiresAt()` below.
 */
export type DenyKind = 'session' | 'user';
export type DenyEntry = { kind: DenyKind; id: string; at: number };

/**
 * Clerk's session tokens live 60 s (they are refreshed by the frontend SDK every ~50 s); the lifetime is
 * not configurable for session tokens (JWT templates are another category, refused by the verifier).
 */
export const SESSION_TOKEN_LIFETIME_MS = 60_000;
/** How long an entry is kept after `at`: the token lifetime plus the verifier's clock skew. */
export const DENY_ENTRY_TTL_MS = SESSION_TOKEN_LIFETIME_MS + DEFAULT_CLOCK_SKEW_MS;

/** Printable ASCII without spaces, at most 128 characters (Clerk's ids are `sess_…`, `user_…`). */
const ID = /^[\x21-\x7e]{1,128}$/;

export function isDenyId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

/** An entry for a revocation at `at` (ms). */
export function denyEntry(kind: DenyKind, id: string, at: number): DenyEntry {
  return { kind, id, at };
}

/** When an entry stops refusing anything (and may be dropped): `at` + token lifetime + clock skew. */
export function expiresAt(entry: Pick<DenyEntry, 'at'>): number {
  return entry.at + DENY_ENTRY_TTL_MS;
}

/**
 * Two entries for the same (kind, id) joined: the later `at` wins (for a user entry it refuses a superset
 * of tokens, and it is kept longer). Commutative, associative and idempotent (a max): replays and
 * out-of-order deliveries give the same set.
 */
export function joinEntries(a: DenyEntry, b: DenyEntry): DenyEntry {
  return a.at >= b.at ? a : b;
}

/** What the deny check needs from a verified session token. */
export type DenyQuery = { sessionId: string; userId: string /** the token's `iat`, epoch seconds */; issuedAt: number };

/** Looks an entry up by kind and id (a map, a SQL row, a snapshot). */
export type DenyLookup = (kind: DenyKind, id: string) => DenyEntry | undefined;

/**
 * Whether a verified token is refused at `now`. An expired entry refuses nothing (the tokens it was for
 * are expired too). A token without `iat` counts as issued at the epoch: refused by any user entry.
 */
export function isDenied(lookup: DenyLookup, query: DenyQuery, now: number): boolean {
  const session = lookup('session', query.sessionId);
  if (session && expiresAt(session) > now) return true;
  const user = lookup('user', query.userId);
  if (!user || expiresAt(user) <= now) return false;
  const issuedAtMs = Number.isFinite(query.issuedAt) ? query.issuedAt * 1000 : 0;
  // `iat` has whole seconds: a token issued in the entry's second but before it has iat*1000 <= at and is
  // refused; one issued later in that same second is refused too (its client gets a new token at once).
  return issuedAtMs <= user.at;
}

/** The key of an entry in a map. */
export function denyKey(kind: DenyKind, id: string): string {
  return `${kind === 'session' ? 's' : 'u'}:${id}`;
}
