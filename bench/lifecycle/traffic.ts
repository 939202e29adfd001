// The lifecycle bench's traffic: Clerk's own sample payloads (test/fixtures/clerk-webhook-examples.json, the
// shapes the tests deliver) with ids, times and an email address filled in, really signed with svix
// (scripts/lib/sign.ts) and POSTed to the real route. Signed at the wall clock (svix checks ±5 minutes of it);
// the event's own times are the simulated ones.
import { readFileSync } from 'node:fs';
import { Webhook } from 'svix';
import { svixHeaders } from '../../scripts/lib/sign.ts';
import { WEBHOOK_SECRET } from './service.ts';

type Sample = { type: string; timestamp: number; data: Record<string, unknown>; [k: string]: unknown };
const SAMPLES = JSON.parse(
  readFileSync(new URL('../../test/fixtures/clerk-webhook-examples.json', import.meta.url), 'utf8'),
) as Record<string, Sample>;

function sample(type: string): Sample {
  const s = SAMPLES[type];
  if (!s) throw new Error(`no sample for ${type}`);
  return structuredClone(s);
}

/** Clerk's sample user with `userId`, its email address (real payloads carry one) and times at `at`. */
function userData(base: Record<string, unknown>, userId: string, at: number) {
  const emailId = `idn_${userId.slice(5)}`;
  return {
    ...base,
    id: userId,
    primary_email_address_id: emailId,
    email_addresses: [
      {
        object: 'email_address',
        id: emailId,
        email_address: `${userId}@bench.example`,
        reserved: false,
        verification: { object: 'verification_otp', status: 'verified', strategy: 'email_code', attempts: 1 },
        linked_to: [],
        created_at: at,
        updated_at: at,
      },
    ],
    created_at: at,
    updated_at: at,
    last_sign_in_at: at,
    last_active_at: at,
  };
}

export function userCreated(userId: string, at: number): Sample {
  const e = sample('user.created');
  return { ...e, timestamp: at, data: userData(e.data, userId, at) };
}

/** `session.created` or `session.ended` of `sessionId` by `userId`, at `at` (created at `createdAt`). */
export function sessionEvent(type: 'session.created' | 'session.ended', sessionId: string, userId: string, at: number) {
  const e = sample(type);
  const user = userData(e.data.user as Record<string, unknown>, userId, at);
  const status = type === 'session.created' ? 'active' : 'ended';
  const data = { ...e.data, id: sessionId, user_id: userId, user, status, created_at: at, updated_at: at };
  return { ...e, timestamp: at, data: { ...data, last_active_at: at, expire_at: at + 86_400_000 } };
}

const webhook = new Webhook(WEBHOOK_SECRET);
let sequence = 0;

export type Posted = { status: number; ms: number };

/** Signs and POSTs one event; its status and latency (ms, from send to the whole response read). */
export async function post(url: string, event: object): Promise<Posted> {
  const body = JSON.stringify(event);
  const headers = svixHeaders(webhook, `msg_bench_${process.pid}_${++sequence}`, body);
  const started = performance.now();
  const res = await fetch(`${url}/api/webhooks/clerk`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

/** POSTs every event with `concurrency` in flight (in order within each lane); returns each result. */
export async function postAll(url: string, events: readonly object[], concurrency = 8): Promise<Posted[]> {
  const results: Posted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const event = events[next++];
        if (event) results.push(await post(url, event));
      }
    }),
  );
  return results;
}

/**
 * POSTs `count` events at a fixed rate (open loop: one is sent every 1000/rate ms whatever the others do), so
 * a slower server shows as latency, not as fewer requests. `make(i)` builds the i-th event.
 */
export async function paced(url: string, count: number, rate: number, make: (i: number) => object) {
  const started = performance.now();
  const pending: Promise<Posted>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(post(url, make(i)));
  }
  return Promise.all(pending);
}
