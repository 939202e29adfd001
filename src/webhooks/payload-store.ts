import { sql } from 'drizzle-orm';
import { bindCompiled, compiled, d1Of } from '../db/compiled-statement';
import type { Database } from '../db/database';
import { webhookEvents, webhookPayloads } from '../db/schema';
import type { PackedPayload } from './payload-codec';

/**
 * Writes the delivery's payload row, for the SAME atomic batch as its record and placed BEFORE it: the row is
 * written only when the `svix-id` is not stored yet (the first sighting), as the payload column was before
 * migration 0009. So a redelivery of an event whose payload retention or erasure already removed never brings it
 * back, a failed event keeps the body it was first stored with, and another body under a known id (refused by
 * the record's trigger, migration 0004) is never kept. Migration 0009's trigger skips it for a tenant being
 * erased or erased.
 */
export function insertFirstPayload(
  db: Database,
  d: { svixId: string; packed: PackedPayload; userId: string | null; orgId: string | null },
  now: number,
): D1PreparedStatement {
  return bindCompiled(
    d1Of(db),
    compiled('webhook_payloads.first', () => firstPayloadQuery(db)),
    { svixId: d.svixId, payload: d.packed, userId: d.userId, orgId: d.orgId, now },
  );
}

function firstPayloadQuery(db: Database) {
  const p = sql.placeholder;
  const w = webhookEvents;
  // `insert … select … where` (Drizzle's insert().select() cannot take placeholders as columns).
  return db
    .insert(webhookPayloads)
    .select(
      sql`select ${p('svixId')}, ${p('payload')}, ${p('userId')}, ${p('orgId')}, ${p('now')}
        where not exists (select 1 from ${w} where ${w.svixId} = ${p('svixId')})`,
    )
    .onConflictDoNothing();
}
