import { AppError } from '../errors';
import { factory } from '../http/factory';
import { validate } from '../http/validate';
import { AnalyticsUnavailableError } from './analytics-sql';
import { metricsQueryParams, parseMetricsQuery } from './metrics-query';
import { readMetrics } from './read-metrics';

/** Seconds an operator (or the console) should wait after 503 `metrics_unavailable`. */
const METRICS_RETRY_AFTER_SECONDS = 60;

/**
 * `GET /v1/admin/metrics` (mounted by the admin routes, behind their admin + second-factor guard): counts
 * over time from Analytics Engine's SQL API when CLOUDFLARE_ACCOUNT_ID and ANALYTICS_API_TOKEN are set,
 * else from this isolate's buffer; `source` says which.
 */
export const metricsRoute = factory.createHandlers(validate('query', metricsQueryParams), async (c) => {
  const { services, config } = c.var;
  const parsed = parseMetricsQuery(c.req.valid('query'), services.now());
  if (!parsed.ok) {
    throw new AppError('invalid_request', {
      message: 'Invalid query.',
      extra: { issues: [{ path: parsed.error.field, message: parsed.error.message }] },
    });
  }
  const credentials =
    config.CLOUDFLARE_ACCOUNT_ID && config.ANALYTICS_API_TOKEN
      ? { accountId: config.CLOUDFLARE_ACCOUNT_ID, apiToken: config.ANALYTICS_API_TOKEN }
      : undefined;
  try {
    const answer = await readMetrics(parsed.value, {
      credentials,
      environment: config.ENVIRONMENT,
      buffer: services.metrics.buffer,
      fetch: services.fetch,
    });
    return c.json(answer);
  } catch (error) {
    if (!(error instanceof AnalyticsUnavailableError)) throw error;
    throw new AppError('metrics_unavailable', {
      detail: { kind: error.kind, httpStatus: error.httpStatus ?? null },
      extra: { kind: error.kind },
      headers: { 'retry-after': String(METRICS_RETRY_AFTER_SECONDS) },
    });
  }
});
