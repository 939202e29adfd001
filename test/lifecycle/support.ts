import { env } from 'cloudflare:workers';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/env';
import { DAY_MS } from '../../src/lib/utc-day';
import { ndjsonGzipLines } from '../../src/lifecycle/ndjson-gzip';
import { type LifecycleLimits, runLifecycle } from '../../src/lifecycle/run-lifecycle';
import { createServices } from '../../src/services/services';
import { unpackPayload } from '../../src/webhooks/payload-codec';
import { testDb } from '../helpers/api-app';
import { uid } from '../helpers/ids';
import { clerkEvent, deliver } from '../helpers/webhooks';

export { DAY_MS };

/** A webhook app whose clock the test moves (receipt times are the service's clock). */
export function clockedApp(start: number) {
  const clock = { now: start };
  const app = createApp({ services: createServices({ now: () => clock.now }) });
  return { app, clock };
}

/** A user's signed `user.created`, `session.created` and `session.ended`, as Clerk sends them. */
export async function userWithSession(
  app: ReturnType<typeof clockedApp>['app'],
  at: number,
  ids = { user: uid('user'), session: uid('sess') },
) {
  const email = `${ids.user}@example.test`;
  const user = {
    id: ids.user,
    first_name: 'Ada',
    last_name: 'Lovelace',
    primary_email_address_id: 'idn_1',
    email_addresses: [{ id: 'idn_1', email_address: email }],
    image_url: 'https://img.clerk.test/ada',
    created_at: at,
  };
  const session = { id: ids.session, user_id: ids.user, status: 'active', created_at: at };
  const svixIds: string[] = [];
  for (const [type, data, t] of [
    ['user.created', user, at],
    ['session.created', session, at + 1],
    ['session.ended', { ...session, status: 'ended' }, at + 2],
  ] as const) {
    const { res, svixId } = await deliver(clerkEvent(type, data, t), { app });
    if (res.status !== 200) throw new Error(`delivery of ${type} answered ${res.status}`);
    svixIds.push(svixId);
  }
  return { ...ids, email, svixIds };
}

export function lifecycleAt(
  now: number,
  overrides: Record<string, string> = {},
  limits?: Partial<LifecycleLimits>,
  bucket?: R2Bucket,
) {
  const config = parseConfig({ ...(env as unknown as Record<string, unknown>), ...overrides });
  return runLifecycle({ db: testDb(), bucket: bucket ?? env.ARCHIVE, config, now, ...(limits ? { limits } : {}) });
}

export const one = (sql: string, ...params: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...params)
    .first<Record<string, unknown>>();

export async function count(sql: string, ...params: unknown[]): Promise<number> {
  return Number((await one(`select count(*) as n from (${sql})`, ...params))?.n ?? 0);
}

/** Every key under `prefix` in the archive. */
export async function archiveKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (let cursor: string | undefined, more = true; more; ) {
    const page = await env.ARCHIVE.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    more = page.truncated;
    cursor = page.truncated ? page.cursor : undefined;
  }
  return keys;
}

/** The records of an archived object (gzip NDJSON). */
export async function archivedRecords(key: string): Promise<Record<string, unknown>[]> {
  const object = await env.ARCHIVE.get(key);
  if (!object) throw new Error(`no archive object ${key}`);
  const out: Record<string, unknown>[] = [];
  for await (const line of ndjsonGzipLines(object.body)) out.push(JSON.parse(line));
  return out;
}

/** Empties the archive (storage is per file; tests in a file share it). */
export async function clearArchive(): Promise<void> {
  const keys = await archiveKeys('');
  for (let i = 0; i < keys.length; i += 1000) await env.ARCHIVE.delete(keys.slice(i, i + 1000));
}

/** Every table the lifecycle reads or writes, emptied (with the archive): a clean start for each test. */
const LIFECYCLE_TABLES = [
  'webhook_events',
  'webhook_payloads',
  'login_audits',
  'tenants',
  'organization_memberships',
  'daily_active_users',
  'user_last_active',
  'job_state',
];
export async function resetLifecycleState(): Promise<void> {
  await env.DB.batch(LIFECYCLE_TABLES.map((t) => env.DB.prepare(`delete from ${t}`)));
  await clearArchive();
}

/**
 * Every text column of every table holding `needle` (as `table.column`): the whole database, one batch; and every
 * stored payload, decompressed.
 */
let columnsOfDb: { table: string; column: string }[] | undefined;
export async function foundInD1(needle: string): Promise<string[]> {
  if (!columnsOfDb) {
    const { results } = await env.DB.prepare(
      "select m.name as tbl, p.name as col from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table' " +
        "and m.name not like 'sqlite_%' and m.name not like '_cf_%' and m.name <> 'd1_migrations'",
    ).all<{ tbl: string; col: string }>();
    columnsOfDb = results.map((r) => ({ table: r.tbl, column: r.col }));
  }
  const results = await env.DB.batch<{ n: number }>(
    columnsOfDb.map(({ table, column }) =>
      env.DB.prepare(`select count(*) as n from "${table}" where cast("${column}" as text) like ?`).bind(`%${needle}%`),
    ),
  );
  const found = columnsOfDb.flatMap((c, i) =>
    Number(results[i]?.results[0]?.n ?? 0) > 0 ? [`${c.table}.${c.column}`] : [],
  );
  // Payloads are gzip bytes (src/webhooks/payload-codec.ts), which no LIKE sees into: each is read decompressed.
  const { results: payloads } = await env.DB.prepare('select payload from webhook_payloads').all<{
    payload: unknown;
  }>();
  for (const { payload } of payloads) {
    const packed =
      typeof payload === 'string' || payload instanceof Uint8Array
        ? payload
        : payload instanceof ArrayBuffer
          ? new Uint8Array(payload)
          : Uint8Array.from(payload as number[]);
    if ((await unpackPayload(packed)).includes(needle)) return [...found, 'webhook_payloads.payload (decompressed)'];
  }
  return found;
}
