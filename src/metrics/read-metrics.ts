import { type AnalyticsCredentials, queryAnalytics } from './analytics-sql';
import {
  aggregatePoints,
  type Bucket,
  bucketsOfRows,
  type GroupField,
  type MetricsQuery,
  metricsDataset,
  metricsSql,
  SQL_ROW_LIMIT,
} from './metrics-query';
import type { PointBuffer } from './point-buffer';

export type MetricsAnswer = {
  /** Where the counts come from: Analytics Engine (every isolate, sampled at volume) or this isolate alone. */
  source: 'analytics_engine' | 'isolate';
  since: string;
  bucketSeconds: number;
  by: GroupField[];
  /** More rows than SQL_ROW_LIMIT: the oldest buckets are missing. Always false for the isolate's buffer. */
  truncated: boolean;
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
    return { source: 'isolate', ...head, truncated: false, buckets: aggregatePoints(deps.buffer.points(), q) };
  }
  const sql = metricsSql(metricsDataset(deps.environment), q);
  const rows = await queryAnalytics(deps.credentials, sql, deps.fetch);
  const truncated = rows.length > SQL_ROW_LIMIT;
  return { source: 'analytics_engine', ...head, truncated, buckets: bucketsOfRows(rows, q) };
}
