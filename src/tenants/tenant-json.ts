import * as z from 'zod/mini';
import { iso, isoString, nullableIso } from '../lib/schemas';
import type { Tenant } from './tenant-store';

/** A tenant as the API shows it. */
export const tenantSchema = z.object({
  id: z.string(),
  kind: z.enum(['user', 'organization']),
  status: z.enum(['active', 'archived']),
  name: z.nullable(z.string()),
  email: z.nullable(z.string()),
  slug: z.nullable(z.string()),
  imageUrl: z.nullable(z.string()),
  source: z.enum(['webhook', 'jit', 'reconcile']),
  createdAt: isoString,
  updatedAt: isoString,
  archivedAt: nullableIso,
});

export type TenantJson = z.output<typeof tenantSchema>;

/** Renders a tenant row with ISO timestamps and without internal bookkeeping columns. */
export function toTenantJson(t: Tenant): TenantJson {
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    name: t.name,
    email: t.email,
    slug: t.slug,
    imageUrl: t.imageUrl,
    source: t.source,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    archivedAt: iso(t.archivedAt),
  };
}
