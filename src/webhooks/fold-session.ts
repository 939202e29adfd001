import * as z from 'zod/mini';
import { utcDay } from '../lib/utc-day';
import { type ClerkEvent, toMillis } from './clerk-event';
import type { Effect, SessionStatus } from './effects';
import { entityId, parseData } from './parse-data';

const sessionData = z.looseObject({
  id: z.string().check(z.minLength(1)),
  user_id: z.string().check(z.minLength(1)),
  created_at: z.optional(z.nullable(z.number())),
  latest_activity: z.optional(z.nullable(z.looseObject({ ip_address: z.optional(z.nullable(z.string())) }))),
});

const STATUS_BY_TYPE: Record<string, SessionStatus> = {
  'session.pending': 'pending',
  'session.created': 'active',
  'session.ended': 'ended',
  'session.removed': 'removed',
  'session.revoked': 'revoked',
};

/** The session event types folded into login audits. */
export const SESSION_TYPES = Object.keys(STATUS_BY_TYPE);

/** Caps what a client controls (the user agent) before it reaches storage. */
function clip(value: string | null | undefined, max: number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * `session.*` ⇒ the login audit (tenant = the user's tenant, whether or not it exists yet);
 * `session.created` also counts the user as active on the session's UTC day.
 */
export function foldSession(event: ClerkEvent, at: number): Effect[] {
  const status = STATUS_BY_TYPE[event.type];
  if (!status) return [];
  const session = parseData(sessionData, event);
  entityId(session.user_id, 'user', event, 'data.user_id');
  const createdAt = toMillis(session.created_at) ?? at;
  const isCreate = event.type === 'session.created';
  // The sign-in request (event_attributes.http_request) is where Clerk reports the client's
  // IP and user agent; latest_activity is the session's own record, IP only.
  const http = event.event_attributes?.http_request;
  const effects: Effect[] = [
    {
      kind: 'session',
      sessionId: session.id,
      userId: session.user_id,
      status,
      ip: isCreate ? clip(http?.client_ip ?? session.latest_activity?.ip_address, 64) : null,
      userAgent: isCreate ? clip(http?.user_agent, 512) : null,
      createdAt,
      at,
    },
  ];
  if (isCreate) effects.push({ kind: 'daily_active', day: utcDay(createdAt), userId: session.user_id });
  return effects;
}
