import type { RouteDoc } from '../http/route-doc';
import { metricsAnswerSchema, metricsQueryParams } from '../metrics/metrics-query';
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
      '`RETAIN_DELETED_TENANT_DAYS`; each row once. A complete export ends with `{"kind":"end","lines":<n>}`: ' +
      'a stream cut by a failure ends without it. 404 when there is nothing to export (unknown id, or an erased ' +
      "tenant whose archive expired); 503 `storage_unavailable` with Retry-After when the archive can't be read.",
    tag: 'admin',
    security: 'admin',
    params: tenantIdParam,
    responses: { 200: { description: 'The export.', contentType: 'application/x-ndjson' } },
    errors: ['invalid_request', 'not_found', 'storage_unavailable', ...adminErrors],
  },
  {
    method: 'get',
    path: '/v1/admin/metrics',
    summary: 'Accepted and refused requests over time, by reason, token type, route or status',
    description:
      '`since`: ISO-8601 with a zone, within 90 days (default: 24 h ago); `by`: `reason`, `tokenType`, `route` ' +
      'or `status`, comma-separated (default `reason`). Hourly buckets up to two days, daily beyond. From ' +
      "Analytics Engine's SQL API when CLOUDFLARE_ACCOUNT_ID and ANALYTICS_API_TOKEN are set (`source: " +
      '"analytics_engine"`), else from the answering isolate\'s own buffer (`source: "isolate"`, development). ' +
      'The SQL API failing is 503 `metrics_unavailable`.',
    tag: 'admin',
    security: 'admin',
    query: metricsQueryParams,
    responses: { 200: { description: 'Counts per bucket.', schema: metricsAnswerSchema } },
    errors: ['invalid_request', 'metrics_unavailable', ...adminErrors],
  },
  {
    method: 'get',
    path: '/v1/admin/usage',
    readSession: true,
    summary: 'Monthly active and retained users against the alert threshold, with a 90-day history',
    description:
      'Distinct users with a session in the last 30 UTC days (today included), from ' +
      "the daily rollup; `mru`: those of them active on a day after their first (Clerk's Monthly Retained " +
      'Users). `history`: the last 90 days (`mau`/`mru` of past days as the cron snapshotted them). ' +
      '`upgradeRecommended` past USAGE_ALERT_MAU (`freeTierLimit`, default 10,000).',
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
