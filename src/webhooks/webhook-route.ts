import * as z from 'zod/mini';
import { AppError } from '../errors';
import { factory } from '../http/factory';
import { requireConfig } from '../http/middleware';
import type { RouteDoc } from '../http/route-doc';
import { log } from '../lib/log';
import { readBodyLimited } from '../lib/read-body';
import { noteRefusal } from '../metrics/record-metrics';
import { clientLimiterKey } from '../rate-limit/limiters';
import { revocationWriter } from '../revocation/revocation-check';
import { eventTime, parseClerkEvent } from './clerk-event';
import { ProcessingError, processEvent } from './process-event';
import { verifyDelivery } from './verify-webhook';

/** Svix payloads are small JSON documents; anything bigger is refused unread. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** Seconds a sender is asked to wait when D1 refuses the event's write. */
export const STORAGE_RETRY_AFTER_S = 30;

/** The generic message for every verification failure; the reason goes to the log only. */
const REJECTED = 'Webhook verification failed.';

/**
 * `POST /clerk` (mounted at `/api/webhooks`): verify (Svix), then parse, then record and
 * apply in one batch. 2xx only once the event is durably processed or ignored, so Svix's
 * retries (about 28 h) never lose an event; 5xx only when storage fails.
 */
export function webhookRoutes() {
  return factory.createApp().post('/clerk', requireConfig('CLERK_WEBHOOK_SIGNING_SECRET'), async (c) => {
    const requestId = c.get('requestId');
    // Failed signatures count per client IP on AUTH_FAILURE_LIMITER (their own `webhook:` keys, so
    // a bad sender and an API consumer behind one IP do not share a budget); over it, 429 before any HMAC.
    const limiterKey = `webhook:${clientLimiterKey(c)}`;
    const { services } = c.var;
    services.rateLimits.assertNotPenalised(limiterKey);
    const body = await readBodyLimited(c.req.raw, MAX_WEBHOOK_BYTES);
    if (!body.ok) {
      log('warn', 'webhook.rejected', { requestId, reason: body.error });
      noteRefusal(c, body.error);
      throw new AppError(body.error === 'too_large' ? 'payload_too_large' : 'invalid_request', {
        message: body.error === 'too_large' ? undefined : REJECTED,
      });
    }
    const verified = verifyDelivery(
      c.var.config.CLERK_WEBHOOK_SIGNING_SECRET,
      {
        id: c.req.header('svix-id'),
        timestamp: c.req.header('svix-timestamp'),
        signature: c.req.header('svix-signature'),
      },
      body.value,
      services.webhookVerifiers,
    );
    if (!verified.ok) {
      log('warn', 'webhook.rejected', { requestId, reason: verified.error });
      noteRefusal(c, verified.error);
      await services.rateLimits.countFailure(c.env, limiterKey);
      throw new AppError('invalid_request', { message: REJECTED });
    }
    const { svixId, timestampSeconds } = verified.value;
    // Parse only what was verified; a valid signature over something that is not a Clerk
    // event is refused and nothing is stored.
    const parsed = parseClerkEvent(body.value);
    if (!parsed.ok) {
      log('warn', 'webhook.rejected', { requestId, svixId, reason: parsed.error });
      noteRefusal(c, 'not_a_clerk_event');
      throw new AppError('invalid_request', { message: 'The webhook payload is not a Clerk event.' });
    }
    const event = parsed.value;
    const delivery = { svixId, type: event.type, eventAt: eventTime(event, timestampSeconds), payload: body.value };
    try {
      const outcome = await processEvent(c.var.db, delivery, event, services.now(), {
        onTenantsChanged: services.onTenantsChanged,
        revoke: revocationWriter(c.env),
      });
      log('info', 'webhook.received', { requestId, svixId, type: event.type, outcome });
      return c.json(outcome === 'duplicate' ? { received: true, duplicate: true } : { received: true });
    } catch (err) {
      if (err instanceof ProcessingError && err.kind === 'invalid_data') {
        throw new AppError('invalid_request', {
          message: 'The webhook payload is not a valid event of its type.',
          detail: { svixId, type: event.type, reason: err.message },
        });
      }
      if (err instanceof ProcessingError && err.kind === 'id_reused') {
        throw new AppError('conflict', {
          message: 'This svix-id was already delivered with another body; nothing was applied.',
        });
      }
      // D1 refused the write (full, overloaded, down): the batch is atomic, so nothing of the event was
      // applied; Svix retries on any 5xx and Retry-After tells it (and an operator) to come back.
      if (err instanceof ProcessingError && err.kind === 'storage') {
        throw new AppError('storage_unavailable', {
          headers: { 'retry-after': String(STORAGE_RETRY_AFTER_S) },
          detail: { svixId, type: event.type, error: err.cause },
          cause: err,
        });
      }
      throw new AppError('internal', { detail: { svixId, type: event.type, error: err }, cause: err });
    }
  });
}

/** OpenAPI entry for webhookRoutes (mounted under `/api/webhooks`). */
export const webhookRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/webhooks/clerk',
    summary: "Clerk's webhooks, delivered by Svix",
    description:
      'Verified with the Svix signature headers; at least once, in no guaranteed ' +
      'order. A redelivery answers `duplicate: true`. ' +
      'A known `svix-id` delivered with another body is refused with 409 `conflict` and nothing is applied. ' +
      'An event whose effect would rewrite another entity (a session of another user, a ' +
      'tenant of the other kind) is 400 and stored `failed`.',
    tag: 'webhooks',
    security: 'svix',
    headers: z.object({ 'svix-id': z.string(), 'svix-timestamp': z.string(), 'svix-signature': z.string() }),
    body: {
      schema: z.looseObject({ type: z.string(), data: z.looseObject({}), timestamp: z.optional(z.number()) }),
      description: 'A Clerk event.',
    },
    responses: {
      200: {
        description: 'Received.',
        schema: z.object({ received: z.literal(true), duplicate: z.optional(z.boolean()) }),
      },
    },
    errors: ['invalid_request', 'conflict', 'payload_too_large', 'internal', 'misconfigured', 'storage_unavailable'],
  },
];
