import * as z from 'zod/mini';
import { cursorParam, isoString, limitParam, nullableIso } from '../lib/schemas';
import { tenantSchema } from '../tenants/tenant-json';
import { SVIX_ID_PATTERN } from '../webhooks/svix-id';

/** Request and response schemas of the admin routes (validation and OpenAPI). */
export const tenantSearchQuery = z.object({
  q: z.optional(
    z
      .string()
      .check(z.minLength(1), z.maxLength(320))
      .register(z.globalRegistry, { description: 'A tenant id, or an email prefix.' }),
  ),
  status: z.optional(z.enum(['active', 'archived'])),
  limit: limitParam,
  cursor: cursorParam,
});
export const tenantPage = z.object({ items: z.array(tenantSchema), nextCursor: z.nullable(z.string()) });

export const tenantIdParam = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a Clerk id')),
});
export const svixIdParam = z.object({ svixId: z.string().check(z.regex(SVIX_ID_PATTERN, 'must be a svix-id')) });

export const usageSchema = z.object({
  mau: z.number(),
  mru: z.number(),
  windowDays: z.literal(30),
  /** USAGE_ALERT_MAU (default 10,000). */
  freeTierLimit: z.number(),
  upgradeRecommended: z.boolean(),
  dailyActive: z.array(z.object({ day: z.string(), users: z.number() })),
  history: z.array(
    z.object({ day: z.string(), dau: z.number(), mau: z.nullable(z.number()), mru: z.nullable(z.number()) }),
  ),
});

export const webhookStatus = z.enum(['received', 'processed', 'failed', 'ignored']);
export const webhookListQuery = z.object({ status: z.optional(webhookStatus), limit: limitParam, cursor: cursorParam });
export const webhookEventSchema = z.object({
  svixId: z.string(),
  type: z.string(),
  status: webhookStatus,
  attempts: z.number(),
  lastError: z.nullable(z.string()),
  eventAt: isoString,
  receivedAt: isoString,
  processedAt: nullableIso,
  nextAttemptAt: nullableIso,
  bodyHash: z.nullable(z.string()).register(z.globalRegistry, {
    description: 'SHA-256 (hex) of the stored body; null for events stored before it was recorded.',
  }),
  idReuse: z
    .nullable(z.object({ count: z.number(), lastAt: nullableIso, lastBodyHash: z.nullable(z.string()) }))
    .register(z.globalRegistry, {
      description:
        'Deliveries of this svix-id with another body, all refused with 409 ' +
        '(`webhook.id_reused` in the log); null when none.',
    }),
});
export const webhookPage = z.object({ items: z.array(webhookEventSchema), nextCursor: z.nullable(z.string()) });
export const replayResponse = z.object({
  svixId: z.string(),
  outcome: z.enum(['processed', 'ignored', 'failed', 'duplicate', 'not_found']),
  error: z.optional(z.string()),
  event: z.nullable(webhookEventSchema),
});
