import type { Tenant } from './tenant-store';

/**
 * How long an isolate trusts a tenant row it read (ms). Every authenticated request needs
 * the caller's tenant (is it archived?); within this window it is answered from memory with
 * no D1 query. The price: an archive (`user.deleted`) takes effect on other isolates within
 * this time (docs/read-path.md, "Edge-local tenant state"). The isolate that processes the webhook
 * drops its entry at once.
 */
export const TENANT_CACHE_TTL_MS = 30_000;

type Entry = { tenant: Tenant | null; expiresAt: number };

/**
 * Bounded per-isolate LRU of tenant rows by id, each entry honoured for `ttlMs` after it was
 * read (a just-in-time tenant too: never forever). `null` is cached as well (an organization
 * whose webhook has not arrived), with the same TTL. Pure: the caller passes the clock.
 */
export class TenantCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = TENANT_CACHE_TTL_MS,
    private readonly maxEntries = 2_000,
  ) {}

  /** The cached row (or cached `null`), or `undefined` on a miss or an expired entry. */
  get(id: string, now: number): Tenant | null | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (!(now < hit.expiresAt)) {
      this.entries.delete(id);
      return undefined;
    }
    // Refresh recency (Map order = LRU order), not the expiry: staleness stays bounded by ttlMs.
    this.entries.delete(id);
    this.entries.set(id, hit);
    return hit.tenant;
  }

  set(id: string, tenant: Tenant | null, now: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { tenant: tenant ? Object.freeze({ ...tenant }) : null, expiresAt: now + this.ttlMs });
  }

  /** Drops an entry (e.g. after this isolate applied a webhook that changed the tenant). */
  delete(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
