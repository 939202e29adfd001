/**
 * The one result type for pure operations that can fail in an expected way: a tagged union the
 * caller must look at (as workers-oauth-provider's `Result`). The error is data (a reason tag or a
 * small object), mapped to the wire in one place by the caller; exceptions stay for the unexpected.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
