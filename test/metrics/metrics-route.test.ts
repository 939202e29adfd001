import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { ANALYTICS_API_BASE } from '../../src/metrics/analytics-sql';
import { createServices } from '../../src/services/services';
import { type ClerkMock, json, mockClerk } from '../helpers/clerk-mock';
import { callApp, expectError } from '../helpers/http';
import { uid } from '../helpers/ids';
import { bearer, mintSessionToken } from '../helpers/tokens';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const SQL_PATH = `/client/v4/accounts/${ACCOUNT}/analytics_engine/sql`;

function rig(extra: object = {}) {
  const services = createServices();
  const app = createApp({ services });
  const bindings = { ...env, ...extra };
  return (path: string, init?: RequestInit) => callApp(app, path, init, bindings);
}

const adminHeaders = async () => bearer(await mintSessionToken({ userId: 'user_admin', fva: [1, 1] }));

let mock: ClerkMock | undefined;
afterEach(() => {
  mock?.restore();
  mock = undefined;
});

describe('GET /v1/admin/metrics from the isolate buffer (development)', () => {
  it('returns the exact counts of known traffic, by reason and by token type', async () => {
    const send = rig();
    const expired = await mintSessionToken({ iat: Math.floor(Date.now() / 1000) - 600 });
    for (let i = 0; i < 3; i++) await send('/v1/tenant', { headers: bearer(expired) });
    await send('/v1/tenant');
    await send('/v1/tenant', { headers: bearer(`ak_${'b'.repeat(32)}`) });
    await send('/v1/me', { headers: bearer(await mintSessionToken({ userId: uid('user') })) });

    const res = await send('/v1/admin/metrics?by=reason', { headers: await adminHeaders() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      source: string;
      buckets: { surface: string; reason: string; count: number }[];
    };
    expect(body.source).toBe('isolate');
    const edge = body.buckets.filter((b) => b.surface === 'edge');
    const byReason = Object.fromEntries(edge.map((b) => [b.reason, (0 as number) + b.count]));
    expect(byReason).toEqual({ expired: 3, missing: 1, type_not_accepted: 1, '-': 1 });

    const byType = await send('/v1/admin/metrics?by=tokenType', { headers: await adminHeaders() });
    const types = (
      (await byType.json()) as { buckets: { surface: string; outcome: string; tokenType: string; count: number }[] }
    ).buckets
      .filter((b) => b.surface === 'edge')
      .map((b) => [b.outcome, b.tokenType, b.count]);
    expect(types).toEqual([
      ['accepted', 'session_token', 1],
      ['refused', 'api_key', 1],
      ['refused', 'session_token', 4],
    ]);
  });

  it('400 on a bad since or by, naming the parameter', async () => {
    const send = rig();
    const a = await expectError(
      await send('/v1/admin/metrics?since=yesterday', { headers: await adminHeaders() }),
      400,
      'invalid_request',
    );
    expect(a).toMatchObject({ issues: [{ path: 'since' }] });
    const b = await expectError(
      await send('/v1/admin/metrics?by=ip', { headers: await adminHeaders() }),
      400,
      'invalid_request',
    );
    expect(b).toMatchObject({ issues: [{ path: 'by' }] });
  });

  it('403 for a non-admin and for a stale second factor', async () => {
    const send = rig();
    await expectError(
      await send('/v1/admin/metrics', { headers: bearer(await mintSessionToken({ userId: uid('user') })) }),
      403,
      'forbidden',
    );
    const stale = bearer(await mintSessionToken({ userId: 'user_admin', fva: [1, 30] }));
    await expectError(await send('/v1/admin/metrics', { headers: stale }), 403, 'second_factor_required');
  });
});

describe('GET /v1/admin/metrics from Analytics Engine (a fake SQL API behind the unhandled-request guard)', () => {
  const credentials = {
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    ANALYTICS_API_TOKEN: 'cf_analytics_test_token',
    ENVIRONMENT: 'staging',
  };

  it('sends the SQL with the bearer token and answers with its rows', async () => {
    let seen: { auth: string | null; sql: string } | undefined;
    mock = mockClerk(
      {
        [SQL_PATH]: async (req) => {
          seen = { auth: req.headers.get('authorization'), sql: await req.text() };
          return json({
            meta: [],
            data: [
              { t: 1796299200, surface: 'edge', outcome: 'refused', reason: 'expired', count: '7' },
              { t: 1796299200, surface: 'edge', outcome: 'accepted', reason: '-', count: 40 },
            ],
            rows: 2,
          });
        },
      },
      ANALYTICS_API_BASE,
    );
    const send = rig(credentials);
    const res = await send('/v1/admin/metrics?by=reason', { headers: await adminHeaders() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { source: string; buckets: unknown[] };
    expect(body.source).toBe('analytics_engine');
    expect(body.buckets).toEqual([
      {
        t: '2026-12-03T12:00:00.000Z',
        surface: 'edge',
        outcome: 'accepted',
        reason: '-',
        tokenType: null,
        route: null,
        status: null,
        count: 40,
      },
      {
        t: '2026-12-03T12:00:00.000Z',
        surface: 'edge',
        outcome: 'refused',
        reason: 'expired',
        tokenType: null,
        route: null,
        status: null,
        count: 7,
      },
    ]);
    expect(seen?.auth).toBe('Bearer cf_analytics_test_token');
    expect(seen?.sql).toContain('FROM fulcrum_auth_edge_staging');
    expect(mock.unhandled).toEqual([]);
  });

  it('more rows than the limit: the newest buckets are kept and the answer says truncated', async () => {
    const HOUR_S = 3600;
    const newest = 1796299200;
    // Rows as the SQL API sends them for `ORDER BY t DESC LIMIT 10001`, here shuffled: one per hour, newest first.
    const data = Array.from({ length: 10_001 }, (_, i) => ({
      t: newest - i * HOUR_S,
      surface: 'edge',
      outcome: 'refused',
      reason: 'expired',
      count: 1,
    })).reverse();
    mock = mockClerk({ [SQL_PATH]: () => json({ meta: [], data, rows: data.length }) }, ANALYTICS_API_BASE);
    const send = rig(credentials);
    const res = await send('/v1/admin/metrics?by=reason', { headers: await adminHeaders() });
    const body = (await res.json()) as { truncated: boolean; buckets: { t: string }[] };
    expect(body.truncated).toBe(true);
    expect(body.buckets).toHaveLength(10_000);
    expect(body.buckets.at(-1)?.t).toBe(new Date(newest * 1000).toISOString());
    expect(body.buckets[0]?.t).toBe(new Date((newest - 9_999 * HOUR_S) * 1000).toISOString());
  });

  it.each([
    ['unauthorized', () => json({ success: false, errors: [{ code: 10000 }] }, 403)],
    ['http_error', () => new Response('upstream', { status: 502 })],
    ['malformed', () => new Response('<html>', { status: 200 })],
  ])('the SQL API failing (%s) is 503 metrics_unavailable, never a 500', async (kind, handler) => {
    mock = mockClerk({ [SQL_PATH]: handler }, ANALYTICS_API_BASE);
    const send = rig(credentials);
    const error = await expectError(
      await send('/v1/admin/metrics', { headers: await adminHeaders() }),
      503,
      'metrics_unavailable',
    );
    expect((error as { kind?: string }).kind).toBe(kind);
    expect(JSON.stringify(error)).not.toContain('cf_analytics_test_token');
  });

  it('unreachable (no route in the fake: the guard throws as a network failure would)', async () => {
    mock = mockClerk({}, ANALYTICS_API_BASE);
    const send = rig(credentials);
    const error = await expectError(
      await send('/v1/admin/metrics', { headers: await adminHeaders() }),
      503,
      'metrics_unavailable',
    );
    expect((error as { kind?: string }).kind).toBe('unreachable');
  });
});
