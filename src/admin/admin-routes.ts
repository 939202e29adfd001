import * as z from 'zod/mini';
import { strictRevocation } from '../auth/session-middleware';
import { AppError } from '../errors';
import { factory } from '../http/factory';
import { requireConfig } from '../http/middleware';
import { validate } from '../http/validate';
import { log } from '../lib/log';
import { signedPage } from '../lib/paging';
import { iso } from '../lib/schemas';
import { ArchiveError } from '../lifecycle/archive-batch';
import { ndjsonStream, openExport } from '../lifecycle/export-tenant';
import { metricsRoute } from '../metrics/metrics-route';
import { revocationWriter } from '../revocation/revocation-check';
import { revocationAdminRoutes } from '../revocation/revocation-routes';
import { toTenantJson } from '../tenants/tenant-json';
import { getTenant, searchTenants } from '../tenants/tenant-store';
import { getWebhookEventMeta, listWebhookEvents, type WebhookEventMeta } from '../webhooks/event-store';
import type { ReplayFn } from '../webhooks/replay';
import { STORAGE_RETRY_AFTER_S } from '../webhooks/webhook-route';
import { ADMIN_SECOND_FACTOR_MAX_AGE_MINUTES, requireAdmin } from './admin-guard';
import { svixIdParam, tenantIdParam, tenantSearchQuery, webhookListQuery } from './admin-schemas';
import { getUsage } from './usage-store';

const keyset =
  <T>(shape: z.ZodMiniType<T>) =>
  (v: unknown) => {
    const r = shape.safeParse(v);
    return r.success ? r.data : null;
  };
const tenantPosition = keyset(z.object({ createdAt: z.number(), id: z.string() }));
const webhookPosition = keyset(z.object({ receivedAt: z.number(), svixId: z.string() }));

function webhookJson(e: WebhookEventMeta) {
  return {
    svixId: e.svixId,
    type: e.type,
    status: e.status,
    attempts: e.attempts,
    lastError: e.lastError,
    eventAt: iso(e.eventAt),
    receivedAt: iso(e.receivedAt),
    processedAt: iso(e.processedAt),
    nextAttemptAt: iso(e.nextAttemptAt),
    bodyHash: e.bodyHash,
    idReuse:
      e.idReuseCount > 0 ? { count: e.idReuseCount, lastAt: iso(e.idReusedAt), lastBodyHash: e.reusedBodyHash } : null,
  };
}

export type AdminRoutesDeps = {
  /** The webhooks module's stored-event replay. */
  replay: ReplayFn;
  secondFactorMaxAgeMinutes?: number;
};

/**
 * Operator routes, mounted under `/v1/admin`. Expects `c.var.auth`; checks admin rights
 * and a recent second factor itself (403 `forbidden` / `second_factor_required`).
 */
export function adminRoutes(deps: AdminRoutesDeps) {
  return factory
    .createApp()
    .use(
      requireAdmin(deps.secondFactorMaxAgeMinutes ?? ADMIN_SECOND_FACTOR_MAX_AGE_MINUTES),
      requireConfig('CLERK_SECRET_KEY'),
      // Admin acts on everyone: its caller's session is checked in the revocation object at request time.
      strictRevocation,
    )
    .get('/tenants', validate('query', tenantSearchQuery), async (c) => {
      const q = c.req.valid('query');
      const paging = {
        secret: c.var.config.CLERK_SECRET_KEY,
        scope: ['tenants', q.q ?? null, q.status ?? null],
        cursor: q.cursor,
      };
      const page = await signedPage(
        c.var.services.cursors,
        { ...paging, parse: tenantPosition },
        (after) => searchTenants(c.var.sessionDb(), { q: q.q, status: q.status, limit: q.limit ?? 20, after }),
        toTenantJson,
      );
      return c.json(page);
    })
    .get('/tenants/:id', validate('param', tenantIdParam), async (c) => {
      const tenant = await getTenant(c.var.sessionDb(), { id: c.req.valid('param').id });
      if (!tenant) throw new AppError('not_found', { message: 'Tenant not found.' });
      return c.json(toTenantJson(tenant));
    })
    .get('/tenants/:id/export', validate('param', tenantIdParam), async (c) => {
      const src = { db: c.var.db, bucket: c.env.ARCHIVE, tenantId: c.req.valid('param').id, now: c.var.services.now() };
      const lines = await openExport(src).catch((err: unknown) => {
        if (!(err instanceof ArchiveError)) throw err;
        throw new AppError('storage_unavailable', {
          message: 'The archive cannot be read right now; try again later.',
          headers: { 'retry-after': String(STORAGE_RETRY_AFTER_S) },
          detail: { tenantId: src.tenantId, error: err.cause },
          cause: err,
        });
      });
      if (!lines) throw new AppError('not_found', { message: 'Nothing is known about this tenant.' });
      log('info', 'admin.tenant_export', {
        requestId: c.var.requestId,
        adminUserId: c.var.auth.userId,
        tenantId: src.tenantId,
      });
      const requestId = c.var.requestId;
      const stream = ndjsonStream(lines, (err) =>
        log('error', 'admin.tenant_export_failed', { requestId, tenantId: src.tenantId, error: err }),
      );
      return c.body(stream, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    })
    .get('/metrics', ...metricsRoute)
    .get('/usage', async (c) =>
      c.json(await getUsage(c.var.sessionDb(), { now: c.var.services.now(), alertMau: c.var.config.USAGE_ALERT_MAU })),
    )
    .get('/webhooks', validate('query', webhookListQuery), async (c) => {
      const q = c.req.valid('query');
      const paging = { secret: c.var.config.CLERK_SECRET_KEY, scope: ['webhooks', q.status ?? null], cursor: q.cursor };
      const page = await signedPage(
        c.var.services.cursors,
        { ...paging, parse: webhookPosition },
        (after) => listWebhookEvents(c.var.sessionDb(), { status: q.status, limit: q.limit ?? 20, after }),
        webhookJson,
      );
      return c.json(page);
    })
    .post('/webhooks/:svixId/replay', validate('param', svixIdParam), async (c) => {
      const { svixId } = c.req.valid('param');
      if (!(await getWebhookEventMeta(c.var.db, { svixId })))
        throw new AppError('not_found', { message: 'Webhook event not found.' });
      const result = await deps.replay(c.var.db, svixId, c.var.services.now(), revocationWriter(c.env));
      if (result.status === 'gone')
        throw new AppError('gone', { message: "The event's payload has passed its retention; it cannot be replayed." });
      log('info', 'admin.webhook_replay', {
        requestId: c.var.requestId,
        adminUserId: c.var.auth.userId,
        svixId,
        outcome: result.status,
      });
      // Read back on the primary through a session: the response's bookmark then covers the replay,
      // so the operator's next (replica) read of the list cannot show the event's older state.
      const event = await getWebhookEventMeta(c.var.sessionDb('first-primary'), { svixId });
      return c.json({
        svixId,
        outcome: result.status,
        ...(result.error === undefined ? {} : { error: result.error }),
        event: event ? webhookJson(event) : null,
      });
    })
    .route('/', revocationAdminRoutes());
}
