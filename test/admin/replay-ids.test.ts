import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { svixIdParam } from '../../src/admin/admin-schemas';
import { SvixVerifiers, verifyDelivery } from '../../src/webhooks/verify-webhook';
import { call } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';
import { clerkEvent, deliver } from '../helpers/webhooks';

describe('admin replay accepts every id the webhook route accepts', () => {
  it('property: the webhook verifier refuses an id as malformed exactly when the replay route would', () => {
    const id = fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.stringMatching(/^[A-Za-z0-9_.:-]{1,130}$/),
      fc.constantFrom('msg_a.b', 'msg:2', 'a'.repeat(128), 'a'.repeat(129), 'msg/1', 'msg 1', '..', 'msg_%2F'),
    );
    const svix = new SvixVerifiers();
    fc.assert(
      fc.property(id, (svixId) => {
        const webhook = verifyDelivery(
          env.CLERK_WEBHOOK_SIGNING_SECRET,
          { id: svixId, timestamp: '1', signature: 'v1,x' },
          '{}',
          svix,
        );
        const idRefused = !webhook.ok && (webhook.error === 'malformed_svix_id' || webhook.error === 'missing_svix_id');
        const webhookAccepts = !idRefused;
        expect(svixIdParam.safeParse({ svixId }).success).toBe(webhookAccepts);
      }),
      { numRuns: 500 },
    );
  });

  it('an event delivered with `.` and `:` in its svix-id can be replayed through the real route', async () => {
    const token = await mintSessionToken({ userId: 'user_admin', fva: [0, 0] });
    for (const svixId of [`${uid('msg')}.part:2`, `${uid('msg')}:v1`]) {
      const userId = uid('user');
      const { res } = await deliver(clerkEvent('user.created', { id: userId, email_addresses: [] }, Date.now()), {
        id: svixId,
      });
      expect(res.status).toBe(200);
      const replay = await call(`/v1/admin/webhooks/${encodeURIComponent(svixId)}/replay`, {
        method: 'POST',
        headers: bearer(token),
      });
      expect(replay.status, svixId).toBe(200);
      expect(await replay.json()).toMatchObject({ svixId, event: { svixId, status: 'processed' } });
    }
  });
});
