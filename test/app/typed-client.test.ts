import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { hc } from 'hono/client';
import { describe, expect, it } from 'vitest';
import type { AppType } from '../../src/app';
import { seedAudits, seedTenant, testApp } from '../helpers/api-app';
import { authFor } from '../helpers/auth-context';
import { uid } from '../helpers/ids';

/** hc<AppType> against the app itself: a custom fetch into `app.fetch`. */
function client(app: ReturnType<typeof testApp>) {
  return hc<AppType>('https://edge.fulcrum.test', {
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(input, init), env, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
  });
}

describe('typed client (hono/client)', () => {
  it('infers tenant, audit and admin routes from AppType', async () => {
    const userId = uid('user');
    await seedTenant({ id: userId, email: 'typed@example.com' });
    await seedAudits(userId, userId, 3);
    const api = client(testApp(authFor(userId)));

    const tenant = await api.v1.tenant.$get();
    expect(tenant.status).toBe(200);
    const t = await tenant.json();
    // Type-level: `t.email` is string | null — a typo here would not compile.
    expect(t.email).toBe('typed@example.com');

    const res = await api.v1.audit.logins.$get({ query: { limit: '2' } });
    const page = await res.json();
    if (!('items' in page)) throw new Error('expected a page');
    expect(page.items.map((i) => i.sessionId)).toHaveLength(2);
    const next = await api.v1.audit.logins.$get({ query: { limit: '2', cursor: page.nextCursor ?? '' } });
    const second = await next.json();
    expect('items' in second && second.items).toHaveLength(1);

    const health = await (await api.health.$get()).json();
    expect(health.status).toBe('ok');

    const admin = client(testApp(authFor('user_admin', { factorVerificationAge: [0, 0] })));
    const usage = await admin.v1.admin.usage.$get();
    const body = await usage.json();
    expect('windowDays' in body && body.windowDays).toBe(30);
    const replay = await admin.v1.admin.webhooks[':svixId'].replay.$post({ param: { svixId: uid('msg') } });
    expect(replay.status).toBe(404);
  });
});
