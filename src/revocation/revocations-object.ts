import { DurableObject } from 'cloudflare:workers';
import {
  DENY_ENTRY_TTL_MS,
  type DenyEntry,
  type DenyKind,
  type DenyQuery,
  expiresAt,
  isDenied,
  isDenyId,
} from './deny-rule';
import { type DenySnapshot, MAX_SNAPSHOT_ENTRIES, type WireEntry } from './deny-snapshot';

/** The most entries one write may carry (an admin sign-out of a user with many sessions). */
export const MAX_ENTRIES_PER_WRITE = 1_000;

/**
 * What `revoke` did: the version after it, and how many entries were new or later than stored ones; or why
 * nothing was written (an error as data: a throw across RPC is only a message).
 */
export type RevokeResult = { ok: true; version: number; changed: number } | { ok: false; error: 'bad_entries' };

/**
 * `REVOCATIONS`: the one strongly consistent deny set (SQLite-backed Durable Object, one instance named
 * `global`). Written by revocation webhooks and the admin routes; read by every colo's refresh (at most
 * about one read per colo per refresh interval, through the Cache API) and by strict routes. Entries are
 * joined by max(`at`), so writes are idempotent and order-tolerant; each is deleted by the alarm once it
 * can refuse nothing (deny-rule.ts).
 */
export class Revocations extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS deny (kind TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL,
         PRIMARY KEY (kind, id)) WITHOUT ROWID;
       CREATE INDEX IF NOT EXISTS deny_at ON deny (at);
       CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);`,
    );
  }

  /** Adds entries (one invalid entry: nothing written). Entries that are already expired are skipped. */
  async revoke(entries: readonly DenyEntry[]): Promise<RevokeResult> {
    const valid = (e: DenyEntry) =>
      (e.kind === 'session' || e.kind === 'user') && isDenyId(e.id) && Number.isSafeInteger(e.at);
    if (!Array.isArray(entries) || entries.length > MAX_ENTRIES_PER_WRITE || !entries.every(valid))
      return { ok: false, error: 'bad_entries' };
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() => {
      let changed = 0;
      for (const e of entries) {
        if (expiresAt(e) <= now) continue;
        const known = this.entry(e.kind, e.id);
        if (known && known.at >= e.at) continue;
        this.sql.exec('INSERT OR REPLACE INTO deny (kind, id, at) VALUES (?, ?, ?)', e.kind, e.id, e.at);
        changed++;
      }
      const version = this.version() + (changed > 0 ? 1 : 0);
      if (changed > 0) this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', 'version', version);
      return { ok: true as const, version, changed };
    });
    if (result.changed > 0) await this.scheduleAlarm();
    return result;
  }

  /** Every entry still refusing something at `now` (the caller's clock), newest first, capped. */
  async snapshot(now: number): Promise<DenySnapshot> {
    const rows = this.sql
      .exec<{ kind: DenyKind; id: string; at: number }>(
        'SELECT kind, id, at FROM deny WHERE at > ? ORDER BY at DESC LIMIT ?',
        now - DENY_ENTRY_TTL_MS,
        MAX_SNAPSHOT_ENTRIES + 1,
      )
      .toArray();
    const truncated = rows.length > MAX_SNAPSHOT_ENTRIES;
    const entries: WireEntry[] = rows
      .slice(0, MAX_SNAPSHOT_ENTRIES)
      .map((r) => [r.kind === 'session' ? 's' : 'u', r.id, r.at]);
    return { version: this.version(), truncated, entries };
  }

  /** The exact answer for one token (strict routes, admin): two primary-key lookups. */
  async check(query: DenyQuery, now: number): Promise<boolean> {
    return isDenied((kind, id) => this.entry(kind, id), query, now);
  }

  /** For readiness: the version and how many entries are stored. */
  async stats(): Promise<{ version: number; entries: number }> {
    const entries = this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM deny').one().n;
    return { version: this.version(), entries };
  }

  /** Deletes what can refuse nothing any more, then waits for the next entry to expire. */
  override async alarm(): Promise<void> {
    this.sql.exec('DELETE FROM deny WHERE at <= ?', Date.now() - DENY_ENTRY_TTL_MS);
    await this.scheduleAlarm();
  }

  private entry(kind: DenyKind, id: string): DenyEntry | undefined {
    const row = this.sql.exec<{ at: number }>('SELECT at FROM deny WHERE kind = ? AND id = ?', kind, id).toArray()[0];
    return row ? { kind, id, at: row.at } : undefined;
  }

  private version(): number {
    return this.sql.exec<{ v: number }>("SELECT v FROM meta WHERE k = 'version'").toArray()[0]?.v ?? 0;
  }

  private async scheduleAlarm(): Promise<void> {
    const oldest = this.sql.exec<{ at: number | null }>('SELECT min(at) AS at FROM deny').one().at;
    if (oldest === null) return;
    const due = oldest + DENY_ENTRY_TTL_MS;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }
}
