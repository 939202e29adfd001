import * as z from 'zod/mini';
import { BLOB_COLUMNS, type Outcome, type Surface } from './data-point';
import type { BufferedPoint } from './point-buffer';

/** What `GET /v1/admin/metrics` can group by (besides time, surface and outcome, always grouped). */
export const GROUP_FIELDS = ['reason', 'tokenType', 'route', 'status'] as const;
export type GroupField = (typeof GROUP_FIELDS)[number];

/** Analytics Engine keeps three months of data; older `since` values are refused rather than silently cut. */
export const MAX_WINDOW_DAYS = 90;
const HOUR_MS = 3_600_000;

export type MetricsQuery = {
  /** Inclusive start (ms). */
  since: number;
  by: GroupField[];
  /** Bucket width (ms): an hour for windows up to two days, else a day. */
  bucketMs: number;
};

export type Bucket = {
  /** Bucket start (ISO). */
  t: string;
  surface: Surface;
  outcome: Outcome;
  reason: string | null;
  tokenType: string | null;
  route: string | null;
  status: number | null;
  count: number;
};

/** The query string's shape (for validation and the OpenAPI document); its meaning is checked by parseMetricsQuery. */
export const metricsQueryParams = z.object({
  since: z.optional(z.string()),
  by: z.optional(z.string()),
});

/** `GET /v1/admin/metrics`'s answer (OpenAPI). */
export const metricsAnswerSchema = z.object({
  source: z.enum(['analytics_engine', 'isolate']),
  since: z.string(),
  bucketSeconds: z.number(),
  by: z.array(z.enum(GROUP_FIELDS)),
  /** True when the SQL API had more rows than SQL_ROW_LIMIT: the oldest buckets are missing (ask a later `since`). */
  truncated: z.boolean(),
  buckets: z.array(
    z.object({
      t: z.string(),
      surface: z.enum(['edge', 'gateway', 'webhook', 'admin']),
      outcome: z.enum(['accepted', 'refused', 'error']),
      reason: z.nullable(z.string()),
      tokenType: z.nullable(z.string()),
      route: z.nullable(z.string()),
      status: z.nullable(z.number()),
      count: z.number(),
    }),
  ),
});

export type QueryProblem = { field: 'since' | 'by'; message: string };

/**
 * `since` (ISO-8601 with a time zone, not in the future, at most MAX_WINDOW_DAYS back; default: 24 h ago) and
 * `by` (comma-separated GROUP_FIELDS; default `reason`), or the problem to answer 400 with.
 */
export function parseMetricsQuery(
  raw: { since?: string | undefined; by?: string | undefined },
  now: number,
): { ok: true; value: MetricsQuery } | { ok: false; error: QueryProblem } {
  let since = now - 24 * HOUR_MS;
  if (raw.since !== undefined) {
    // A zone is required: a bare local time would be read in the Worker's zone, which nobody means.
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
    const parsed = iso.test(raw.since) ? Date.parse(raw.since) : Number.NaN;
    if (!Number.isFinite(parsed))
      return { ok: false, error: { field: 'since', message: 'must be an ISO-8601 time with a zone (…Z)' } };
    if (parsed > now) return { ok: false, error: { field: 'since', message: 'must not be in the future' } };
    if (parsed < now - MAX_WINDOW_DAYS * 24 * HOUR_MS)
      return { ok: false, error: { field: 'since', message: `must be within the last ${MAX_WINDOW_DAYS} days` } };
    since = parsed;
  }
  const names = (raw.by ?? 'reason').split(',').map((s) => s.trim());
  const by: GroupField[] = [];
  for (const name of names) {
    if (!(GROUP_FIELDS as readonly string[]).includes(name))
      return { ok: false, error: { field: 'by', message: `must be one or more of ${GROUP_FIELDS.join(', ')}` } };
    if (!by.includes(name as GroupField)) by.push(name as GroupField);
  }
  const bucketMs = now - since <= 48 * HOUR_MS ? HOUR_MS : 24 * HOUR_MS;
  return { ok: true, value: { since, by, bucketMs } };
}

type Key = { t: number; surface: Surface; outcome: Outcome } & Partial<Record<GroupField, string | number>>;

function bucketOf(key: Key, count: number): Bucket {
  return {
    t: new Date(key.t).toISOString(),
    surface: key.surface,
    outcome: key.outcome,
    reason: (key.reason as string | undefined) ?? null,
    tokenType: (key.tokenType as string | undefined) ?? null,
    route: (key.route as string | undefined) ?? null,
    status: key.status === undefined ? null : Number(key.status),
    count,
  };
}

/** Order of the answer, whatever the source: time, then surface, outcome and the grouped fields. */
function compareBuckets(a: Bucket, b: Bucket): number {
  const fields = ['t', 'surface', 'outcome', 'reason', 'tokenType', 'route', 'status'] as const;
  for (const f of fields) {
    const x = String(a[f] ?? '');
    const y = String(b[f] ?? '');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Buckets of the isolate's buffered points (development), grouped like the SQL query. */
export function aggregatePoints(points: readonly BufferedPoint[], q: MetricsQuery): Bucket[] {
  const groups = new Map<string, { key: Key; count: number }>();
  for (const p of points) {
    if (p.t < q.since) continue;
    const key: Key = { t: Math.floor(p.t / q.bucketMs) * q.bucketMs, surface: p.surface, outcome: p.outcome };
    for (const f of q.by) key[f] = f === 'status' ? p.status : p[f];
    const id = JSON.stringify(key);
    const group = groups.get(id);
    if (group) group.count++;
    else groups.set(id, { key, count: 1 });
  }
  return [...groups.values()].map((g) => bucketOf(g.key, g.count)).sort(compareBuckets);
}

/** The dataset's name in Analytics Engine, one per deployment environment (wrangler.toml's `dataset`). */
export function metricsDataset(environment: string): string {
  return `fulcrum_auth_edge_${environment}`;
}

const COLUMN_OF: Record<GroupField, string> = {
  reason: BLOB_COLUMNS.reason,
  tokenType: BLOB_COLUMNS.tokenType,
  route: BLOB_COLUMNS.route,
  status: BLOB_COLUMNS.status,
};

/**
 * At most this many rows from the SQL API (hourly buckets × a few dozen groups fit easily). The query asks one
 * more, newest first, so a cut answer keeps the newest buckets and says `truncated`.
 */
export const SQL_ROW_LIMIT = 10_000;

/**
 * The Analytics Engine SQL for `q`. Nothing from the request is spliced in but validated numbers and fixed
 * column names; counts are `SUM(_sample_interval)`, as Analytics Engine samples at high volume.
 */
export function metricsSql(dataset: string, q: MetricsQuery): string {
  if (!/^[A-Za-z0-9_]+$/.test(dataset)) throw new Error('invalid dataset name');
  const seconds = q.bucketMs / 1000;
  const groups = q.by.map((f) => `${COLUMN_OF[f]} AS ${f}`);
  const select = [
    `intDiv(toUInt32(timestamp), ${seconds}) * ${seconds} AS t`,
    `${BLOB_COLUMNS.surface} AS surface`,
    `${BLOB_COLUMNS.outcome} AS outcome`,
    ...groups,
    'SUM(_sample_interval) AS count',
  ];
  return [
    `SELECT ${select.join(', ')}`,
    `FROM ${dataset}`,
    `WHERE timestamp >= toDateTime(${Math.floor(q.since / 1000)})`,
    `GROUP BY ${['t', 'surface', 'outcome', ...q.by].join(', ')}`,
    'ORDER BY t DESC',
    `LIMIT ${SQL_ROW_LIMIT + 1}`,
    'FORMAT JSON',
  ].join('\n');
}

/**
 * Buckets of the SQL API's JSON rows (numbers may arrive as strings: 64-bit integers are quoted), at most
 * SQL_ROW_LIMIT of the newest (the query asks one more to tell a cut answer).
 */
export function bucketsOfRows(rows: readonly Record<string, unknown>[], q: MetricsQuery): Bucket[] {
  return [...rows]
    .sort((a, b) => Number(b.t) - Number(a.t))
    .slice(0, SQL_ROW_LIMIT)
    .map((row) => {
      const key: Key = {
        t: Number(row.t) * 1000,
        surface: String(row.surface) as Surface,
        outcome: String(row.outcome) as Outcome,
      };
      for (const f of q.by) key[f] = String(row[f] ?? '-');
      return bucketOf(key, Number(row.count ?? 0));
    })
    .sort(compareBuckets);
}
