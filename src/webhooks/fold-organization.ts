import * as z from 'zod/mini';
import { type ClerkEvent, toMillis } from './clerk-event';
import type { Effect } from './effects';
import { entityId, parseData } from './parse-data';

const orgData = z.looseObject({
  id: z.string().check(z.minLength(1)),
  name: z.optional(z.nullable(z.string())),
  slug: z.optional(z.nullable(z.string())),
  image_url: z.optional(z.nullable(z.string())),
  created_at: z.optional(z.nullable(z.number())),
});

const membershipData = z.looseObject({
  id: z.string().check(z.minLength(1)),
  role: z.optional(z.nullable(z.string())),
  permissions: z.optional(z.nullable(z.array(z.string()))),
  organization: z.looseObject({ id: z.string().check(z.minLength(1)) }),
  public_user_data: z.looseObject({ user_id: z.string().check(z.minLength(1)) }),
  created_at: z.optional(z.nullable(z.number())),
});

/** `organization.created|updated|deleted` ⇒ the organization's tenant. */
export function foldOrganization(event: ClerkEvent, at: number): Effect[] {
  if (event.type === 'organization.deleted') {
    const { id } = parseData(z.looseObject({ id: z.string().check(z.minLength(1)) }), event);
    return [
      { kind: 'tenant.archive', tenantKind: 'organization', id: entityId(id, 'organization', event, 'data.id'), at },
    ];
  }
  const org = parseData(orgData, event);
  return [
    {
      kind: 'tenant.profile',
      tenantKind: 'organization',
      id: entityId(org.id, 'organization', event, 'data.id'),
      name: org.name ?? null,
      email: null,
      slug: org.slug ?? null,
      imageUrl: org.image_url ?? null,
      clerkCreatedAt: toMillis(org.created_at) ?? null,
      at,
      isUpdate: event.type.endsWith('.updated'),
    },
  ];
}

/**
 * `organizationMembership.*` ⇒ the membership row. The membership references its
 * organization and user by id only, so it lands whether or not they are known yet.
 */
export function foldMembership(event: ClerkEvent, at: number): Effect[] {
  const m = parseData(membershipData, event);
  return [
    {
      kind: 'membership',
      id: m.id,
      orgId: entityId(m.organization.id, 'organization', event, 'data.organization.id'),
      userId: entityId(m.public_user_data.user_id, 'user', event, 'data.public_user_data.user_id'),
      role: m.role ?? null,
      permissions: (m.permissions ?? []).slice(0, 200),
      deleted: event.type === 'organizationMembership.deleted',
      createdAt: toMillis(m.created_at) ?? at,
      at,
    },
  ];
}
