import * as z from 'zod/mini';
import { err, ok, type Result } from '../lib/result';

/**
 * The envelope Clerk wraps every webhook in (https://clerk.com/docs/webhooks/overview):
 * `{ type, data, object: "event", timestamp, instance_id, event_attributes }`. Only `type`
 * and `data` are required here; everything type-specific is checked by the folds.
 */
export const clerkEventSchema = z.looseObject({
  type: z.string().check(z.minLength(1), z.maxLength(100)),
  data: z.record(z.string(), z.unknown()),
  timestamp: z.optional(z.nullable(z.number())),
  event_attributes: z.optional(
    z.nullable(
      z.looseObject({
        http_request: z.optional(
          z.nullable(
            z.looseObject({
              client_ip: z.optional(z.nullable(z.string())),
              user_agent: z.optional(z.nullable(z.string())),
            }),
          ),
        ),
      }),
    ),
  ),
});

export type ClerkEvent = z.infer<typeof clerkEventSchema>;

/** Values below this are seconds: 1e12 ms is September 2001, 1e12 s is year 33658. */
const SECONDS_BELOW = 1e12;

/**
 * Normalises a Clerk timestamp to integer milliseconds. Clerk documents milliseconds, but
 * some of its published samples use seconds; anything that is not a positive finite number
 * is `undefined`.
 */
export function toMillis(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  const ms = Math.floor(value < SECONDS_BELOW ? value * 1000 : value);
  // Past what a Date can hold, a time would make later ISO/day formatting throw: not a usable time.
  return ms <= MAX_DATE_MS ? ms : undefined;
}

/** The largest time a JavaScript Date represents (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * The event's time, used to order effects: the envelope `timestamp`, else the entity's
 * `updated_at`, else the Svix delivery timestamp (seconds). Never the arrival time, so a
 * redelivery orders exactly like the original.
 */
export function eventTime(event: ClerkEvent, svixTimestampSeconds: number): number {
  return toMillis(event.timestamp) ?? toMillis(event.data.updated_at) ?? svixTimestampSeconds * 1000;
}

/** Parses a verified raw body into a Clerk event; the error says why it is not one (for the log). */
export function parseClerkEvent(raw: string): Result<ClerkEvent, string> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return err('body is not JSON');
  }
  const result = clerkEventSchema.safeParse(json);
  if (!result.success) {
    const where = result.error.issues.map((i) => i.path.join('.') || 'body').join(', ');
    return err(`not a Clerk event: ${where}`);
  }
  return ok(result.data);
}
