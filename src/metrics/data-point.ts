/**
 * One request's outcome as the operator sees it (DESIGN.md "Operator visibility"), and its Analytics
 * Engine data point. The blob order is a storage contract: the SQL queries (metrics-query.ts) read the
 * columns by position, so a field is only ever appended, never moved.
 */
export type Surface = 'edge' | 'gateway' | 'webhook' | 'admin';
export type Outcome = 'accepted' | 'refused' | 'error';
/** Where the verification key came from: a key cache level, the verified-token cache, or none. */
export type KeySource = 'memory' | 'kv' | 'clerk' | 'cache' | '-';

export type RequestOutcome = {
  surface: Surface;
  /** The edge route pattern (`/v1/me`) or the gateway prefix (`/api/`). */
  route: string;
  outcome: Outcome;
  /** `-`, or the refusal's tagged reason (`expired`, `bad_signature`, `rate_limited`, …). */
  reason: string;
  /** Clerk's token type name, or `-` (webhooks, anonymous). */
  tokenType: string;
  keySource: KeySource;
  status: number;
  /** Cloudflare's data center (`request.cf.colo`), `-` locally. */
  colo: string;
  /** The tenant or organization id, `-` when none is known. */
  index: string;
  totalMs: number;
  /** Time to the origin's response headers (gateway), else 0. */
  originMs: number;
};

/** Column of each field in the dataset (blob1…blob8), for the SQL queries. */
export const BLOB_COLUMNS = {
  surface: 'blob1',
  route: 'blob2',
  outcome: 'blob3',
  reason: 'blob4',
  tokenType: 'blob5',
  keySource: 'blob6',
  status: 'blob7',
  colo: 'blob8',
} as const;

// Analytics Engine's limits: an index is at most 96 bytes, blobs together at most 16 KiB. Ids and route
// patterns are far shorter; a longer value (never expected) is cut rather than the point refused.
const MAX_INDEX = 96;
const MAX_BLOB = 256;

const cut = (value: string, max: number) => (value.length > max ? value.slice(0, max) : value);

/** The data point written for `o`: index = tenant, blobs in BLOB_COLUMNS order, doubles = 1, total ms, origin ms. */
export function toDataPoint(o: RequestOutcome): AnalyticsEngineDataPoint {
  return {
    indexes: [cut(o.index, MAX_INDEX)],
    blobs: [
      o.surface,
      cut(o.route, MAX_BLOB),
      o.outcome,
      cut(o.reason, MAX_BLOB),
      o.tokenType,
      o.keySource,
      String(o.status),
      cut(o.colo, MAX_BLOB),
    ],
    doubles: [1, o.totalMs, o.originMs],
  };
}
