import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { profileOfClerkUser } from '../../src/clerk/user-profile';
import { type ClerkUser, listClerkUsers } from '../../src/clerk/users';
import { reconciledUserOf } from '../../src/maintenance/reconcile-users';
import { parseClerkEvent } from '../../src/webhooks/clerk-event';
import { foldEvent } from '../../src/webhooks/fold-event';

/** The webhook path: a signed body's JSON ⇒ Clerk event ⇒ fold ⇒ the profile effect's fields. */
function webhookProfile(user: Record<string, unknown>, type = 'user.updated') {
  const parsed = parseClerkEvent(JSON.stringify({ object: 'event', type, timestamp: 1_764_000_000_000, data: user }));
  if (!parsed.ok) throw new Error(parsed.error);
  const [effect] = foldEvent(parsed.value, 1_764_000_000_000) ?? [];
  if (effect?.kind !== 'tenant.profile') throw new Error(`no profile effect: ${JSON.stringify(effect)}`);
  return { name: effect.name, email: effect.email, imageUrl: effect.imageUrl };
}

/** The reconciliation path: Clerk's `GET /v1/users` body ⇒ the Backend API parser ⇒ the reconciled row's fields. */
async function reconcileProfile(user: Record<string, unknown>) {
  const fetch = (async () =>
    new Response(JSON.stringify([user]), {
      headers: { 'content-type': 'application/json' },
    })) as typeof globalThis.fetch;
  const r = await listClerkUsers(
    { apiUrl: 'https://api.clerk.test', secretKey: 'sk_test_x', fetch },
    { limit: 1, offset: 0 },
  );
  if (!r.ok) throw new Error(`reconcile refused the user: ${r.error.reason}`);
  const { name, email, imageUrl } = reconciledUserOf(r.value[0] as ClerkUser);
  return { name, email, imageUrl };
}

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
/** Names as users type them: blank, padded, empty, unicode, ordinary. */
const nameLike = fc.oneof(fc.constantFrom('', ' ', '  ', '\t', 'Ann', ' Bob ', 'Zoë'), fc.string({ maxLength: 8 }));
const emailIds = fc.constantFrom('idn_a', 'idn_b', 'idn_c');

/** Any Clerk `User` object as both the webhook and the Backend API send it (fields present, null or absent). */
const clerkUser = fc
  .record(
    {
      id: fc.stringMatching(/^user_[A-Za-z0-9]{1,12}$/),
      first_name: maybe(nameLike),
      last_name: maybe(nameLike),
      username: maybe(nameLike),
      image_url: maybe(fc.constantFrom('https://img.clerk.com/a', '')),
      primary_email_address_id: maybe(fc.oneof(emailIds, fc.constant('idn_elsewhere'))),
      email_addresses: maybe(fc.array(fc.record({ id: emailIds, email_address: fc.emailAddress() }), { maxLength: 3 })),
      created_at: fc.integer({ min: 1, max: 2_000_000_000_000 }),
      updated_at: fc.integer({ min: 1, max: 2_000_000_000_000 }),
    },
    { requiredKeys: ['id', 'created_at', 'updated_at'] },
  )
  // The Backend API sends `email_addresses` as a list (never null); the webhook may omit it.
  .map((u) => (u.email_addresses === null ? { ...u, email_addresses: [] } : u));

describe('Clerk user ⇒ tenant profile: one rule for webhooks and reconciliation', () => {
  it('both paths produce the same profile for any user object (property)', async () => {
    await fc.assert(
      fc.asyncProperty(clerkUser, fc.constantFrom('user.created', 'user.updated'), async (user, type) => {
        const viaWebhook = webhookProfile(user, type);
        expect(await reconcileProfile(user)).toEqual(viaWebhook);
        expect(viaWebhook).toEqual(profileOfClerkUser(user));
      }),
      { numRuns: 300 },
    );
  });

  it(
    'no primary_email_address_id ⇒ no email on either path (Clerk: primaryEmailAddress is null), not the first ' +
      'address',
    async () => {
      const user = {
        id: 'user_1',
        created_at: 1,
        updated_at: 2,
        email_addresses: [{ id: 'idn_1', email_address: 'first@example.com' }],
      };
      expect(webhookProfile(user).email).toBeNull();
      expect((await reconcileProfile(user)).email).toBeNull();
      const dangling = { ...user, primary_email_address_id: 'idn_deleted' };
      expect(webhookProfile(dangling).email).toBeNull();
      expect((await reconcileProfile(dangling)).email).toBeNull();
      const primary = { ...user, primary_email_address_id: 'idn_1' };
      expect(webhookProfile(primary).email).toBe('first@example.com');
      expect((await reconcileProfile(primary)).email).toBe('first@example.com');
    },
  );

  it("a blank first name falls through to the username on both paths (Clerk's fullName trims)", async () => {
    const user = { id: 'user_2', created_at: 1, updated_at: 2, first_name: '  ', last_name: null, username: 'bob' };
    expect(webhookProfile(user).name).toBe('bob');
    expect((await reconcileProfile(user)).name).toBe('bob');
    expect(profileOfClerkUser({ first_name: ' Ann ', last_name: ' Lee ' }).name).toBe('Ann   Lee');
    expect(profileOfClerkUser({ first_name: null, last_name: 'Lee', username: 'x' }).name).toBe('Lee');
    expect(profileOfClerkUser({ first_name: '', last_name: '', username: '' }).name).toBeNull();
  });
});
