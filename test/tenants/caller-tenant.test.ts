import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/types';
import { createBaseApp } from '../../src/base-app';
import { createServices } from '../../src/services/services';
import { refuseArchived, resolveCallerTenant } from '../../src/tenants/caller-tenant';
import { TenantCache } from '../../src/tenants/tenant-cache';
import { seedTenant } from '../helpers/api-app';
import { sessionAuthContext } from '../helpers/auth-context';
import { call, callApp, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';

/** resolveCallerTenant for a given AuthContext, answered as JSON (or the refusal's envelope). */
function resolver() {
  const services = createServices();
  const deps = { cache: new TenantCache(0), now: services.now };
  return createBaseApp(services).get('/who', async (c) => {
    const tenants = await resolveCallerTenant(c, deps, JSON.parse(c.req.header('x-auth') ?? '{}') as AuthContext);
    refuseArchived(tenants);
    return c.json({ actsFor: tenants.actsFor, user: tenants.user?.id ?? null, org: tenants.org?.id ?? null });
  });
}
const who = (auth: AuthContext) => callApp(resolver(), '/who', { headers: { 'x-auth': JSON.stringify(auth) } });
const machine = (tokenType: AuthContext['tokenType'], subject: string, ids: Partial<AuthContext>): AuthContext => ({
  ...sessionAuthContext('x', { sessionId: null as unknown as string }),
  tokenType,
  subject,
  userId: null,
  orgId: null,
  ...ids,
});

describe('the one tenant rule (resolveCallerTenant, refuseArchived)', () => {
  it('which tenant a caller acts for: the organization when there is one, else the user; none for M2M', async () => {
    const user = uid('user');
    const org = uid('org');
    await seedTenant({ id: org, kind: 'organization' });
    expect(await (await who(sessionAuthContext(user))).json()).toEqual({ actsFor: user, user, org: null });
    expect(await (await who(sessionAuthContext(user, { orgId: org }))).json()).toEqual({ actsFor: org, user, org });
    expect(await (await who(machine('api_key', org, { orgId: org }))).json()).toEqual({
      actsFor: org,
      user: null,
      org,
    });
    expect(await (await who(machine('api_key', user, { userId: user }))).json()).toEqual({
      actsFor: user,
      user,
      org: null,
    });
    expect(await (await who(machine('m2m_token', 'mch_1', {}))).json()).toEqual({
      actsFor: null,
      user: null,
      org: null,
    });
    // An organization whose webhook is late: acted for by id, no row yet.
    const late = uid('org');
    expect(await (await who(sessionAuthContext(user, { orgId: late }))).json()).toEqual({
      actsFor: late,
      user,
      org: null,
    });
  });

  it("archived ⇒ 403 tenant_archived, for the caller's own tenant and for its organization's", async () => {
    const user = uid('user');
    await seedTenant({ id: user, status: 'archived', archivedAt: Date.now() });
    await expectError(await who(sessionAuthContext(user)), 403, 'tenant_archived');
    const org = uid('org');
    await seedTenant({ id: org, kind: 'organization', status: 'archived', archivedAt: Date.now() });
    await expectError(await who(sessionAuthContext(uid('user'), { orgId: org })), 403, 'tenant_archived');
    await expectError(await who(machine('api_key', org, { orgId: org })), 403, 'tenant_archived');
  });

  it('/v1 refuses a session in an archived organization, as the gateway always did (fails on the old code)', async () => {
    const org = uid('org');
    await seedTenant({ id: org, kind: 'organization', status: 'archived', archivedAt: Date.now() });
    const token = await mintSessionToken({ userId: uid('user'), org: { id: org, role: 'admin' } });
    await expectError(await call('/v1/tenant', { headers: bearer(token) }), 403, 'tenant_archived');
    await expectError(await call('/v1/audit/logins', { headers: bearer(token) }), 403, 'tenant_archived');
    // The same user outside the organization is served.
    const alone = await mintSessionToken({ userId: uid('user') });
    expect((await call('/v1/tenant', { headers: bearer(alone) })).status).toBe(200);
  });
});
