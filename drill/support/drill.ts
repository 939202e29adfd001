// What a runbook row's file uses: `drillRow(name, fn)` is its `describe` (with a fake Clerk and the
// service started before its checks and stopped after), `check(name, expectation, fn)` one `it`, whose
// expectation and observation go to the RUNBOOK table (drill/support/runbook-reporter.ts).
import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { svixHeaders } from '../../scripts/lib/sign.ts';
import { createFakeClerk, type FakeClerk } from './fake-clerk.ts';
import { createFakeOrigin, type FakeOrigin } from './fake-origin.ts';
import { createDrillService, type DrillService, WEBHOOK_SECRET } from './service.ts';

export type DrillCheckMeta = { expectation: string; observed: string };
declare module 'vitest' {
  interface TaskMeta {
    drill?: DrillCheckMeta;
  }
}

/** `npm run drill -- --quick`: the CI-sized run (smaller loads). */
export const QUICK = process.env.DRILL_QUICK === '1';

export type Drill = { clerk: FakeClerk; service: DrillService; origin: FakeOrigin };

/**
 * One runbook row: a `describe` whose checks share one fake Clerk, one fake API origin (for gateway
 * routes) and one service (started before them).
 */
export function drillRow(name: string, body: (drill: Drill) => void) {
  const clerk = createFakeClerk();
  const origin = createFakeOrigin();
  const service = createDrillService(clerk);
  describe(name, () => {
    beforeAll(async () => {
      await clerk.start();
      await origin.start();
    });
    afterAll(async () => {
      await service.close();
      await origin.close();
      await clerk.close();
    });
    body({ clerk, service, origin });
  });
}

/**
 * One check of a row: `fn` acts, reports what it saw with `observe` (the table's "observed" column)
 * and asserts with `expect`. Checks of a row run in order and may build on the previous ones. Each is
 * bounded (drill/vitest.config.ts: 5 min, or `timeoutMs`).
 */
export function check(
  name: string,
  expectation: string,
  fn: (observe: (detail: string) => void) => Promise<void>,
  { timeoutMs }: { timeoutMs?: number } = {},
) {
  it(
    name,
    async ({ task }) => {
      const meta: DrillCheckMeta = { expectation, observed: '' };
      task.meta.drill = meta;
      await fn((detail) => {
        meta.observed = detail;
      });
    },
    timeoutMs,
  );
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

export const count = <T>(xs: readonly T[], pred: (x: T) => boolean) => xs.filter(pred).length;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` until true or `ms` elapse (bounded); returns whether it became true. */
export async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

const signer = new Webhook(WEBHOOK_SECRET);

/** Delivers `event` like Svix: the same `svix-id` on every retry, a fresh timestamp and signature each time. */
export async function deliver(service: DrillService, svixId: string, event: object): Promise<number> {
  const body = JSON.stringify(event);
  return (await service.post('/api/webhooks/clerk', svixHeaders(signer, svixId, body), body)).status;
}
