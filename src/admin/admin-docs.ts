import type { RouteDoc } from '../http/route-doc';
import { tenantSchema } from '../tenants/tenant-json';
import {
  replayResponse,
  svixIdParam,
  tenantIdParam,
  tenantPage,
  tenantSearchQuery,
  usageSchema,
  webhookListQuery,
  webhookPage,
} from './admin-schemas';

const adminErrors = [
  'invalid_token',
  'forbidden',
  'second_factor_required',
  'auth_unavailable',
  'misconfigured',
] as const;

/** OpenAPI entries for adminRoutes (mounted under `/v1/admin`). */
export const adminRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/admin/tenants',
    readSession: true,
    summary: 'Search tenants by id or email prefix',
    tag: 'admin',
    security: 'admin',
    query: tenantSearchQuery,
    responses: { 200: { description: 'One page of tenants, newest first.', schema: tenantPage } },
    errors: ['invalid_request', ...adminErrors],
  },
  {
    method: 'get',
    path: '/v1/admin/tenants/{id}',
    readSession: true,
    summary: 'A tenant by id',
    tag: 'admin',
    security: 'admin',
    params: tenantIdParam,
    responses: { 200: { description: 'The tenant.', schema: tenantSchema } },
    errors: ['invalid_request', 'not_found', ...adminErrors],
  },
  {
    method: 'get',
    path: '/v1/admin/tenants/{id}/export',
    summary: 'Everything stored about a tenant, hot and archived (GDPR access and portability)',
    description:
      'NDJSON, streamed: one JSON object per line with a `kind` of `tenant`, `membership` or `audit`, rows ' +
      'from D1 and from the R2 archive alike; for a deleted tenant, its archive until ' +
      '`RETAIN_DELETED_TENANT_DAYS`. 404 when nothing is known about the id.',
    tag: 'admin',
    security: 'admin',
    params: tenantIdParam,
    responses: { 200: { description: 'The export.', contentType: 'application/x-ndjson' } },
    errors: ['invalid_request', 'not_found', ...adminErrors],
  },
  {
    method: 'get',
    path: '/v1/admin/usage',
    readSession: true,
    summary: 'Monthly active users against the free tier',
    description:
      'Distinct users with a session in the last 30 UTC days (today included), from ' +
      'the daily rollup. Upgrade past 10,000.',
    tag: 'admin',
    security: 'admin',
    responses: { 200: { description: 'Usage.', schema: usageSchema } },
    errors: [...adminErrors],
  },
  {
    method: 'get',
    path: '/v1/admin/webhooks',
    readSession: true,
    summary: 'Received webhook events (metadata only, never payloads)',
    tag: 'admin',
    security: 'admin',
    query: webhookListQuery,
    responses: { 200: { description: 'One page of events, newest first.', schema: webhookPage } },
    errors: ['invalid_request', ...adminErrors],
  },
  {
    method: 'post',
    path: '/v1/admin/webhooks/{svixId}/replay',
    summary: "Re-apply a stored event's payload (same idempotency rules as a delivery)",
    description: 'An event whose payload retention or erasure has dropped is 410 `gone`.',
    tag: 'admin',
    security: 'admin',
    params: svixIdParam,
    responses: { 200: { description: 'What the replay did.', schema: replayResponse } },
    errors: ['invalid_request', 'not_found', 'gone', ...adminErrors],
  },
];
