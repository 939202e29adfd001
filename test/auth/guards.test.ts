import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { requireOrgRole, requirePermission, requireSecondFactor } from '../../src/auth/guards';
import { bearer, mintSessionToken } from '../helpers/tokens';

const app = createApp()
  .get('/v1/test/admin', requireOrgRole('org:admin'), (c) => c.json({ ok: true }))
  .get('/v1/test/invoices', requirePermission('org:invoices:read'), (c) => c.json({ ok: true }))
  .get('/v1/test/sensitive', requireSecondFactor(10), (c) => c.json({ ok: true }));

async function get(path: string, token: string) {
  const res = await app.request(path, { headers: bearer(token) }, env);
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

describe('guards', () => {
  it('requireOrgRole', async () => {
    expect((await get('/v1/test/admin', await mintSessionToken({ org: { id: 'org_1', role: 'admin' } }))).status).toBe(
      200,
    );
    const member = await get('/v1/test/admin', await mintSessionToken({ org: { id: 'org_1', role: 'member' } }));
    expect(member).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await get('/v1/test/admin', await mintSessionToken())).status).toBe(403);
  });

  it('requirePermission (v1 org_permissions)', async () => {
    const ok = await mintSessionToken({
      claims: { v: undefined, org_id: 'org_1', org_role: 'org:member', org_permissions: ['org:invoices:read'] },
    });
    expect((await get('/v1/test/invoices', ok)).status).toBe(200);
    const no = await mintSessionToken({
      claims: { v: undefined, org_id: 'org_1', org_role: 'org:member', org_permissions: ['org:x:read'] },
    });
    expect(await get('/v1/test/invoices', no)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
  });

  it('requirePermission (v2 o.per/o.fpm with fea)', async () => {
    // Clerk v2: o.per lists permissions, o.fpm one bitmask per org feature in `fea`.
    const token = await mintSessionToken({
      org: { id: 'org_1', role: 'member', permissions: ['read', 'manage'] },
      claims: { fea: 'o:invoices' },
    });
    const withFpm = await mintSessionToken({
      claims: { fea: 'o:invoices', o: { id: 'org_1', rol: 'member', slg: 'org-1', per: 'read,manage', fpm: '1' } },
    });
    expect((await get('/v1/test/invoices', withFpm)).status).toBe(200);
    expect((await get('/v1/test/invoices', token)).status).toBe(403); // no fpm ⇒ no permissions
  });

  it('requireSecondFactor', async () => {
    expect((await get('/v1/test/sensitive', await mintSessionToken({ fva: [0, 5] }))).status).toBe(200);
    expect(await get('/v1/test/sensitive', await mintSessionToken({ fva: [0, 11] }))).toMatchObject({
      status: 403,
      body: { error: { code: 'second_factor_required' } },
    });
    // Clerk: maxAge > age
    expect((await get('/v1/test/sensitive', await mintSessionToken({ fva: [0, 10] }))).status).toBe(403);
    expect((await get('/v1/test/sensitive', await mintSessionToken({ fva: [0, 9] }))).status).toBe(200);
    expect((await get('/v1/test/sensitive', await mintSessionToken({ fva: [0, -1] }))).status).toBe(403);
    expect((await get('/v1/test/sensitive', await mintSessionToken({ claims: { fva: undefined } }))).status).toBe(403);
  });

  it('guards run after authentication: no token is 401, not 403', async () => {
    const res = await app.request('/v1/test/admin', {}, env);
    expect(res.status).toBe(401);
  });
});
