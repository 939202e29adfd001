/**
 * What a Clerk event does to our state, as plain data. Folds (`fold-*.ts`) turn events into
 * effects without touching storage; `effect-statements.ts` turns effects into
 * conditional upserts. Every effect is a *join* (last-writer-wins by event time, min/max,
 * sticky tombstones), so applying a set of effects gives the same state in any order and
 * applying one twice changes nothing.
 */
export type TenantKind = 'user' | 'organization';

/** `user.created|updated`, `organization.created|updated`: profile fields, last writer wins. */
export type TenantProfileEffect = {
  kind: 'tenant.profile';
  tenantKind: TenantKind;
  id: string;
  name: string | null;
  email: string | null;
  slug: string | null;
  imageUrl: string | null;
  clerkCreatedAt: number | null;
  at: number;
  /** An `*.updated` event: at the same millisecond as a `*.created`, the update wins. */
  isUpdate: boolean;
};

/** `user.deleted`, `organization.deleted`: a sticky tombstone (status archived). */
export type TenantArchiveEffect = { kind: 'tenant.archive'; tenantKind: TenantKind; id: string; at: number };

export type SessionStatus = 'pending' | 'active' | 'ended' | 'removed' | 'revoked';

/** Any `session.*` event: the login audit row. `ip`/`userAgent` only from `session.created`. */
export type SessionEffect = {
  kind: 'session';
  sessionId: string;
  userId: string;
  status: SessionStatus;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  at: number;
};

/** `session.created`: the user was active on that UTC day (the MAU rollup). */
export type DailyActiveEffect = { kind: 'daily_active'; day: string; userId: string };

/** `organizationMembership.*`: role and permissions last writer wins; delete is a tombstone. */
export type MembershipEffect = {
  kind: 'membership';
  id: string;
  orgId: string;
  userId: string;
  role: string | null;
  permissions: string[];
  deleted: boolean;
  createdAt: number;
  at: number;
};

export type Effect = TenantProfileEffect | TenantArchiveEffect | SessionEffect | DailyActiveEffect | MembershipEffect;

/** A verified event whose `data` does not have the shape its type promises. */
export class InvalidEventData extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventData';
  }
}
