import { readResponseText } from '../lib/read-body';

/** Analytics Engine's SQL API (Cloudflare's API; the account id and an "Account Analytics: Read" token). */
export const ANALYTICS_API_BASE = 'https://api.cloudflare.com/client/v4';
const TIMEOUT_MS = 10_000;
/** 10,000 rows of a few short columns stay well under this; anything bigger is not our query's answer. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type AnalyticsFailure = 'unreachable' | 'timeout' | 'unauthorized' | 'http_error' | 'malformed';

/** The SQL API could not answer: `kind` for the log and the client, never the token. */
export class AnalyticsUnavailableError extends Error {
  constructor(
    readonly kind: AnalyticsFailure,
    readonly httpStatus?: number,
  ) {
    super(`Analytics Engine SQL API: ${kind}${httpStatus ? ` (${httpStatus})` : ''}`);
    this.name = 'AnalyticsUnavailableError';
  }
}

export type AnalyticsCredentials = { accountId: string; apiToken: string };

/**
 * Runs one SQL statement (`… FORMAT JSON`) and returns its rows. Bounded in time and size; any failure is an
 * AnalyticsUnavailableError (a 401/403 says the token is wrong or lacks "Account Analytics: Read").
 */
export async function queryAnalytics(
  credentials: AnalyticsCredentials,
  sql: string,
  fetch: typeof globalThis.fetch,
): Promise<Record<string, unknown>[]> {
  const url = `${ANALYTICS_API_BASE}/accounts/${encodeURIComponent(credentials.accountId)}/analytics_engine/sql`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.apiToken}`, 'content-type': 'text/plain' },
      body: sql,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new AnalyticsUnavailableError(timedOut ? 'timeout' : 'unreachable');
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new AnalyticsUnavailableError(
      res.status === 401 || res.status === 403 ? 'unauthorized' : 'http_error',
      res.status,
    );
  }
  const text = await readResponseText(res, MAX_RESPONSE_BYTES);
  let body: unknown;
  try {
    body = text === null ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every((row) => row !== null && typeof row === 'object'))
    throw new AnalyticsUnavailableError('malformed');
  return data as Record<string, unknown>[];
}
