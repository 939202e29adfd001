import { type DenyEntry, type DenyKind, type DenyLookup, denyKey, isDenyId } from './deny-rule';

/** One entry on the wire: kind (`s` session, `u` user), id, `at` (ms). Compact: a flood stays small. */
export type WireEntry = [kind: 's' | 'u', id: string, at: number];

/**
 * The deny set as the Durable Object hands it out and the Cache API keeps it: every unexpired entry,
 * newest first, and the object's version (it changes on every write that changed something; isolates
 * compare it for equality, never order, so a fresh object starting at 1 again is still noticed).
 * `truncated` says the object held more than it sends (see MAX_SNAPSHOT_ENTRIES).
 */
export type DenySnapshot = { version: number; truncated: boolean; entries: WireEntry[] };

/**
 * The most entries a snapshot carries (~45 bytes each as JSON: ~2.3 MB). Entries live 65 s, so this is
 * ~770 revocations per second sustained; past it the oldest entries are left out of the snapshot (the
 * Durable Object keeps them, strict routes and admin still see them) and readiness says `truncated`.
 */
export const MAX_SNAPSHOT_ENTRIES = 50_000;

export const EMPTY_SNAPSHOT: DenySnapshot = { version: 0, truncated: false, entries: [] };

export function toWire(e: DenyEntry): WireEntry {
  return [e.kind === 'session' ? 's' : 'u', e.id, e.at];
}

function kindOf(k: unknown): DenyKind | null {
  return k === 's' ? 'session' : k === 'u' ? 'user' : null;
}

/** A snapshot read back from the Cache API or the object; null when it is not one (never half-trusted). */
export function parseSnapshot(value: unknown): DenySnapshot | null {
  if (typeof value !== 'object' || value === null) return null;
  const { version, truncated, entries } = value as Record<string, unknown>;
  if (typeof version !== 'number' || typeof truncated !== 'boolean' || !Array.isArray(entries)) return null;
  for (const e of entries) {
    if (!Array.isArray(e) || kindOf(e[0]) === null || !isDenyId(e[1]) || typeof e[2] !== 'number') return null;
  }
  return { version, truncated, entries: entries as WireEntry[] };
}

/** A snapshot as a lookup table for `isDenied` (one Map; the join keeps the latest `at` of duplicates). */
export function lookupOf(snapshot: DenySnapshot): { lookup: DenyLookup; size: number } {
  const map = new Map<string, DenyEntry>();
  for (const [k, id, at] of snapshot.entries) {
    const kind = kindOf(k) as DenyKind;
    const key = denyKey(kind, id);
    const known = map.get(key);
    if (!known || at > known.at) map.set(key, { kind, id, at });
  }
  return { lookup: (kind, id) => map.get(denyKey(kind, id)), size: map.size };
}
