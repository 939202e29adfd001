import * as z from 'zod/mini';
import type { ClerkApiFailure } from '../clerk/backend-api';
import { listActiveSessionIds, revokeClerkSession } from '../clerk/sessions';
import { AppError } from '../errors';
import { factory } from '../http/factory';
import type { RouteDoc } from '../http/route-doc';
import { validate } from '../http/validate';
import { log } from '../lib/log';
import { type DenyEntry, denyEntry, expiresAt } from './deny-rule';
import { REVOCATION_RETRY_AFTER_SECONDS, revocationWriter } from './revocation-check';

const clerkId = (prefix: string) =>
  z.string().check(z.regex(new RegExp(`^${prefix}_[A-Za-z0-9]{1,100}$`), `must be a Clerk ${prefix}_ id`));
export const sessionIdParam = z.object({ sessionId: clerkId('sess') });
export const userIdParam = z.object({ userId: clerkId('user') });

/** How many session revocations are sent to Clerk at once (a user may have hundreds of sessions). */
const CLERK_CONCURRENCY = 8;

type ClerkOutcome = { status: 'ok' } | { status: 'failed'; reason: ClerkApiFailure['reason']; httpStatus?: number };

function failed(f: ClerkApiFailure): ClerkOutcome {
  return { status: 'failed', reason: f.reason, ...(f.status === undefined ? {} : { httpStatus: f.status }) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `POST /sessions/:sessionId/revoke` and `POST /users/:userId/sign-out`, mounted inside the admin routes
 * (their guard, second factor and strict revocation check apply). Clerk's Backend API is called first, then
 * the deny entries are written, then the answer: 200 when both happened; 502 `bad_gateway` when Clerk's
 * call failed but the entries were written (the edge refuses the tokens for 65 s: retry until Clerk
 * confirms, or the session lives on after that); 503 `auth_unavailable` when the entries could not be
 * written (whatever Clerk did: retry). Repeating either call is harmless.
 */
export function revocationAdminRoutes() {
  const write = async (env: Parameters<typeof revocationWriter>[0], entries: DenyEntry[]) => {
    const writer = revocationWriter(env);
    try {
      if (!writer) throw new Error('no REVOCATIONS binding');
      await writer(entries);
    } catch (error) {
      throw new AppError('auth_unavailable', {
        message: 'The revocation store is unavailable; the edge does not refuse these tokens yet. Retry.',
        detail: { check: 'revocation', error },
        headers: { 'retry-after': String(REVOCATION_RETRY_AFTER_SECONDS), 'cache-control': 'no-store' },
      });
    }
  };
  const answer = (body: Record<string, unknown>, clerk: ClerkOutcome) => {
    if (clerk.status === 'ok') return body;
    throw new AppError('bad_gateway', {
      message: "Clerk's Backend API call failed; the edge refuses the tokens until `edge.until`. Retry.",
      extra: { ...body, clerk },
      detail: { clerk },
    });
  };
  return factory
    .createApp()
    .post('/sessions/:sessionId/revoke', validate('param', sessionIdParam), async (c) => {
      const { sessionId } = c.req.valid('param');
      const { services, config } = c.var;
      const api = { apiUrl: config.CLERK_API_URL, secretKey: config.CLERK_SECRET_KEY ?? '', fetch: services.fetch };
      const revoked = await revokeClerkSession(api, sessionId);
      const at = services.now();
      await write(c.env, [denyEntry('session', sessionId, at)]);
      const clerk: ClerkOutcome = revoked.ok ? { status: 'ok' } : failed(revoked.error);
      log('info', 'admin.session_revoked', {
        requestId: c.var.requestId,
        adminUserId: c.var.auth.userId,
        sessionId,
        clerk,
      });
      const body = {
        sessionId,
        edge: { denied: true, until: iso(expiresAt({ at })) },
        clerk: revoked.ok ? { status: 'ok', result: revoked.value } : clerk,
      };
      return c.json(answer(body, clerk));
    })
    .post('/users/:userId/sign-out', validate('param', userIdParam), async (c) => {
      const { userId } = c.req.valid('param');
      const { services, config } = c.var;
      const api = { apiUrl: config.CLERK_API_URL, secretKey: config.CLERK_SECRET_KEY ?? '', fetch: services.fetch };
      const listed = await listActiveSessionIds(api, userId);
      const sessionIds = listed.ok ? listed.value : [];
      let clerk: ClerkOutcome = listed.ok ? { status: 'ok' } : failed(listed.error);
      let revokedAtClerk = 0;
      for (let i = 0; i < sessionIds.length; i += CLERK_CONCURRENCY) {
        const batch = sessionIds.slice(i, i + CLERK_CONCURRENCY);
        for (const r of await Promise.all(batch.map((id) => revokeClerkSession(api, id)))) {
          if (r.ok) revokedAtClerk++;
          else if (clerk.status === 'ok') clerk = failed(r.error);
        }
      }
      const at = services.now();
      // The user entry refuses every token issued before now; the session entries also cover a token issued
      // a moment later by a session Clerk had not yet revoked (clocks differ by up to the skew).
      await write(c.env, [denyEntry('user', userId, at), ...sessionIds.map((id) => denyEntry('session', id, at))]);
      log('info', 'admin.user_signed_out', {
        requestId: c.var.requestId,
        adminUserId: c.var.auth.userId,
        userId,
        sessions: sessionIds.length,
        revokedAtClerk,
        clerk,
      });
      const body = {
        userId,
        sessions: { listed: sessionIds.length, revokedAtClerk },
        edge: { denied: true, until: iso(expiresAt({ at })) },
        clerk,
      };
      return c.json(answer(body, clerk));
    });
}

const edge = z.object({ denied: z.literal(true), until: z.string() });
const clerkOutcome = z.object({
  status: z.enum(['ok', 'failed']),
  result: z.optional(z.enum(['revoked', 'not_found', 'already_inactive'])),
  reason: z.optional(z.string()),
});
const errors = ['invalid_request', 'invalid_token', 'forbidden', 'second_factor_required', 'bad_gateway'] as const;

/** OpenAPI entries for revocationAdminRoutes (mounted under `/v1/admin`). */
export const revocationRouteDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/v1/admin/sessions/{sessionId}/revoke',
    summary: 'Revoke one session now (Clerk, then the edge)',
    description:
      'Revokes the session at Clerk (`POST /v1/sessions/{id}/revoke`), then writes a deny entry: every isolate ' +
      'refuses its tokens within REVOCATION_REFRESH_MS. 502 `bad_gateway` (with `edge` and `clerk` in the error ' +
      "object) when Clerk's call failed but the entry was written; 503 `auth_unavailable` when it was not.",
    tag: 'admin',
    security: 'admin',
    params: sessionIdParam,
    responses: {
      200: {
        description: 'Revoked at Clerk and at the edge.',
        schema: z.object({ sessionId: z.string(), edge, clerk: clerkOutcome }),
      },
    },
    errors: [...errors, 'auth_unavailable', 'misconfigured'],
  },
  {
    method: 'post',
    path: '/v1/admin/users/{userId}/sign-out',
    summary: 'Sign a user out everywhere now (Clerk, then the edge)',
    description:
      "Lists the user's active sessions at Clerk (`GET /v1/sessions?user_id=…&status=active`), revokes each, then " +
      'writes a user entry (refuses every token issued before now) and one entry per listed session. 502 ' +
      '`bad_gateway` when a Clerk call failed but the entries were written; 503 `auth_unavailable` when they were not.',
    tag: 'admin',
    security: 'admin',
    params: userIdParam,
    responses: {
      200: {
        description: 'Signed out at Clerk and at the edge.',
        schema: z.object({
          userId: z.string(),
          sessions: z.object({ listed: z.number(), revokedAtClerk: z.number() }),
          edge,
          clerk: clerkOutcome,
        }),
      },
    },
    errors: [...errors, 'auth_unavailable', 'misconfigured'],
  },
];
