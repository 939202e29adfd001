import { type AnalyticsCredentials, queryAnalytics } from './analytics-sql';
import {
  aggregatePoints,
  type Bucket,
  bucketsOfRows,
  type GroupField,
  type MetricsQuery,
  metricsDataset,
  metricsSql,
} from './metrics-query';
import type { PointBuffer } from './point-buffer';

export type MetricsAnswer = {
  /** Where the counts come from: Analytics Engine (every isolate, sampled at volume) or this isolate alone. */
  source: 'analytics_engine' | 'isolate';
  since: string;
  bucketSeconds: number;
  by: GroupField[];
  buckets: Bucket[];
};

export type ReadMetricsDeps = {
  /** Both set: Analytics Engine's SQL API; else the isolate's buffer. */
  credentials: AnalyticsCredentials | undefined;
  environment: string;
  buffer: PointBuffer;
  fetch: typeof globalThis.fetch;
};

/** Counts for `GET /v1/admin/metrics`. Throws AnalyticsUnavailableError when the SQL API fails. */
export async function readMetrics(q: MetricsQuery, deps: ReadMetricsDeps): Promise<MetricsAnswer> {
  const head = { since: new Date(q.since).toISOString(), bucketSeconds: q.bucketMs / 1000, by: q.by };
  if (!deps.credentials) {
    return { source: 'isolate', ...head, buckets: aggregatePoints(deps.buffer.points(), q) };
  }
  const sql = metricsSql(metricsDataset(deps.environment), q);
  const rows = await queryAnalytics(deps.credentials, sql, deps.fetch);
  return { source: 'analytics_engine', ...head, buckets: bucketsOfRows(rows, q) };
}
