import { env } from 'cloudflare:workers';
import { drizzle } from 'drizzle-orm/d1';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as schema from '../../src/db/schema';
import { getMembership } from '../../src/tenants/tenant-store';
import { parseClerkEvent } from '../../src/webhooks/clerk-event';
import { processEvent } from '../../src/webhooks/process-event';
import { uid } from '../helpers/ids';

/**
 * Svix delivers at least once and in no order: for any stream of events over a few users,
 * sessions and organizations, delivering a random permutation with duplicates (some of
 * them concurrently) must leave D1 exactly as in-order, once-each delivery does.
 */

const NOW = 1_800_000_000_000; // injected clock, the same for both runs
const T0 = 1_760_000_000_000;

const USERS = 3;
const SESSIONS = [0, 0, 1, 2]; // session j belongs to user SESSIONS[j]
const ORGS = 2;
const MEMBERSHIPS: [number, number][] = [
  [0, 0],
  [0, 1],
  [1, 2],
  [0, 0], // user 0 leaves org 0 and is added again: a second membership id for the same pair
]; // [org, user]
const PAIRS = [...new Set(MEMBERSHIPS.map(([o, u]) => `${o}:${u}`))].map(
  (k) => k.split(':').map(Number) as [number, number],
);

type Spec = { type: string; n: number; variant: number };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    type: fc.constantFrom('user.created', 'user.updated', 'user.deleted'),
    n: fc.nat(USERS - 1),
    variant: fc.nat(3),
  }),
  fc.record({
    type: fc.constantFrom('session.created', 'session.pending', 'session.ended', 'session.removed', 'session.revoked'),
    n: fc.nat(SESSIONS.length - 1),
    variant: fc.nat(3),
  }),
  fc.record({
    type: fc.constantFrom('organization.created', 'organization.updated', 'organization.deleted'),
    n: fc.nat(ORGS - 1),
    variant: fc.nat(3),
  }),
  fc.record({
    type: fc.constantFrom(
      'organizationMembership.created',
      'organizationMembership.updated',
      'organizationMembership.deleted',
    ),
    n: fc.nat(MEMBERSHIPS.length - 1),
    variant: fc.nat(3),
  }),
);

/** The Clerk event for a spec, with every id namespaced by `p` (one namespace per run). */
function build(p: string, spec: Spec, at: number) {
  const { type, n, variant } = spec;
  const userOf = (i: number) => `${p}user_${i}`;
  let data: Record<string, unknown>;
  if (type.startsWith('user.')) {
    data = type.endsWith('deleted')
      ? { id: userOf(n), deleted: true }
      : {
          id: userOf(n),
          first_name: `First${variant}`,
          last_name: null,
          primary_email_address_id: `idn_${variant % 2}`,
          email_addresses: [
            { id: 'idn_0', email_address: `u${n}v${variant}@zero.test` },
            { id: 'idn_1', email_address: `u${n}v${variant}@one.test` },
          ],
          created_at: T0,
        };
  } else if (type.startsWith('session.')) {
    data = {
      id: `${p}sess_${n}`,
      user_id: userOf(SESSIONS[n] ?? 0),
      created_at: T0 + n,
      latest_activity: { ip_address: `10.0.0.${n}` },
    };
  } else if (type.startsWith('organization.')) {
    data = type.endsWith('deleted')
      ? { id: `${p}org_${n}`, deleted: true }
      : { id: `${p}org_${n}`, name: `Org ${variant}`, slug: `org-${variant}` };
  } else {
    const [org, user] = MEMBERSHIPS[n] ?? [0, 0];
    data = {
      id: `${p}orgmem_${n}`,
      role: variant % 2 ? 'org:admin' : 'org:member',
      permissions: variant > 1 ? ['org:a', 'org:b'] : [],
      organization: { id: `${p}org_${org}` },
      public_user_data: { user_id: userOf(user) },
      created_at: T0,
    };
  }
  const event = {
    object: 'event',
    type,
    timestamp: at,
    data,
    event_attributes: { http_request: { client_ip: `192.0.2.${variant}`, user_agent: `agent/${variant}` } },
  };
  return JSON.stringify(event);
}

const db = drizzle(env.DB, { schema });

async function deliver(p: string, index: number, payload: string) {
  const parsed = parseClerkEvent(payload);
  if (!parsed.ok) throw new Error(parsed.error);
  const event = parsed.value;
  const delivery = { svixId: `${p}msg_${index}`, type: event.type, eventAt: event.timestamp as number, payload };
  return processEvent(db, delivery, event, NOW);
}

const TABLES: [string, string][] = [
  ['tenants', 'id'],
  ['login_audits', 'session_id'],
  ['organization_memberships', 'id'],
  ['daily_active_users', 'user_id'],
  ['webhook_events', 'svix_id'],
];

/** Every row of every table that belongs to namespace `p`, with the namespace stripped. */
async function dump(p: string) {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of TABLES) {
    const { results } = await env.DB.prepare(`select * from ${table} where ${key} like ? order by ${key}, 1`)
      .bind(`${p}%`)
      .all();
    // body_hash hashes the namespaced body, so it differs between namespaces by construction.
    out[table] = results.map(({ body_hash: _, ...r }) => JSON.parse(JSON.stringify(r).replaceAll(p, '')));
  }
  return out;
}

/** What `/v1/orgs/current` decides for every (org, user) pair (the rejoin rule of getMembership). */
async function decisions(p: string) {
  const out: Record<string, unknown> = {};
  for (const [org, user] of PAIRS)
    out[`${org}:${user}`] = await getMembership(db, { orgId: `${p}org_${org}`, userId: `${p}user_${user}` });
  return out;
}

/**
 * Reference model of the membership decision: per pair, the membership whose latest event is the
 * newest decides; it is `deleted` if it ever received a delete, and its role is its latest event's.
 */
function expectedDecisions(specs: Spec[]) {
  const last = new Map<number, { i: number; deleted: boolean; role: string }>();
  for (const [i, spec] of specs.entries()) {
    if (!spec.type.startsWith('organizationMembership.')) continue;
    const deleted = (last.get(spec.n)?.deleted ?? false) || spec.type.endsWith('deleted');
    last.set(spec.n, { i, deleted, role: spec.variant % 2 ? 'org:admin' : 'org:member' });
  }
  const out: Record<string, unknown> = {};
  for (const [org, user] of PAIRS) {
    const rows = [...last.entries()]
      .filter(([n]) => MEMBERSHIPS[n]?.[0] === org && MEMBERSHIPS[n]?.[1] === user)
      .map(([, r]) => r);
    const decider = rows.sort((a, b) => b.i - a.i)[0];
    out[`${org}:${user}`] = decider ? { status: decider.deleted ? 'deleted' : 'active', role: decider.role } : null;
  }
  return out;
}

describe('order tolerance (property)', () => {
  it('any permutation with duplicates, partly concurrent, reaches the ' +
    'in-order state (leave/rejoin included)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(specArb, { minLength: 1, maxLength: 24 }).chain((specs) =>
          fc.record({
            specs: fc.constant(specs),
            // Delivery order: a permutation of the events plus duplicates (same svix-id).
            order: fc.shuffledSubarray([...specs.keys(), ...specs.keys(), ...specs.keys()], {
              minLength: specs.length * 3,
              maxLength: specs.length * 3,
            }),
            dupes: fc.array(fc.boolean(), { minLength: specs.length * 3, maxLength: specs.length * 3 }),
            concurrency: fc.integer({ min: 1, max: 4 }),
          }),
        ),
        async ({ specs, order, dupes, concurrency }) => {
          const inOrder = uid('a');
          const shuffled = uid('b');
          // Distinct, increasing event times in generation order: that order is "in order".
          for (const [i, spec] of specs.entries()) await deliver(inOrder, i, build(inOrder, spec, T0 + 1000 * (i + 1)));

          // Every event at least once (first occurrences), the rest only where `dupes` says.
          const seen = new Set<number>();
          const stream = order.filter((i, k) => {
            const first = !seen.has(i);
            seen.add(i);
            return first || dupes[k];
          });
          for (let k = 0; k < stream.length; k += concurrency) {
            const group = stream.slice(k, k + concurrency);
            await Promise.all(
              group.map((i) => deliver(shuffled, i, build(shuffled, specs[i] as Spec, T0 + 1000 * (i + 1)))),
            );
          }
          expect(await dump(shuffled)).toEqual(await dump(inOrder));
          // Leave and rejoin: the member's standing is the in-order one, and the model's.
          const decided = await decisions(shuffled);
          expect(decided).toEqual(await decisions(inOrder));
          expect(decided).toEqual(expectedDecisions(specs));
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('detects a difference when one exists (the dump comparison is not vacuous)', async () => {
    const a = uid('a');
    const b = uid('b');
    const spec: Spec = { type: 'user.created', n: 0, variant: 0 };
    await deliver(a, 0, build(a, spec, T0 + 1000));
    await deliver(b, 0, build(b, { ...spec, variant: 1 }, T0 + 1000));
    expect(await dump(b)).not.toEqual(await dump(a));
  });
});
